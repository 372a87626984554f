"""The fast path's Redis call: one EVALSHA on a connection of this thread's own.

NOTE: written by hand because the profile asks for it. Through redis-py one EVALSHA
costs about 115 us of CPU on the benchmark machine (``Script``, ``execute_command``, the
retry wrapper, the pool's lock and liveness poll, a ``poll()`` before every send and
receive on a socket with a timeout); this costs about a third of that. redis-py still
makes the connection (handshake, AUTH, SELECT, and the run_id learnt on connect, see
``epoch``); the call itself is RESP packed by hiredis, written and read on the socket,
which is left blocking with kernel timeouts (``SO_SNDTIMEO``/``SO_RCVTIMEO``), so a
round trip is one send and one receive. Sockets that are not the operating system's
(fakeredis) go through the connection's own methods. A connection that fails is
dropped; one that Redis closed while it sat idle (a restart, an idle timeout) before
answering anything is replaced at once and the call sent again, as redis-py's own retry
would (the scripts may run twice: they create only what is missing).

In a Redis Cluster the call goes to the master of the keys' slot, on a connection of
this thread's own to that master; when the slot moved (MOVED, ASK, TRYAGAIN,
CLUSTERDOWN) or the master cannot be reached, the call is made once more through
redis-py's ``RedisCluster``, which follows the redirection and refreshes its slot map.
A connection to a server that became a replica (READONLY: a Sentinel failover) is
dropped, so the next call asks the sentinels for the master again.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Sequence
from typing import Any

import hiredis
from redis import Redis, RedisCluster
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from aipal.cache.client import topology

__all__ = ["evalsha", "forget"]

_BUFFER = 65536
_DROPPED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
_REDIRECTED = tuple(reply.encode() for reply in topology.REDIRECTIONS)
_local = threading.local()
_generation = 0  # bumped when the Redis settings change: every thread reconnects


class _Dropped(RedisConnectionError):
    """The connection was closed before Redis answered anything: safe to send again."""


class _Channel:
    """A connection, its socket set up for blocking I/O with timeouts, and a reply reader."""

    def __init__(self, r: Redis) -> None:
        pool = r.connection_pool
        self.connection = pool.connection_class(**pool.connection_kwargs)
        self.connection.connect()
        sock = getattr(self.connection, "_sock", None)
        self.sock = sock if isinstance(sock, socket.socket) else None
        if self.sock is not None:
            timeout = pool.connection_kwargs.get("socket_timeout") or 5.0
            seconds = int(timeout)
            timeval = struct.pack("ll", seconds, int((timeout - seconds) * 1_000_000))
            self.sock.settimeout(None)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
            self.reader = hiredis.Reader()
            self.buffer = bytearray(_BUFFER)
        self.generation = _generation

    def call(self, packed: bytes) -> Any:
        if self.sock is None:
            self.connection.send_packed_command([packed], check_health=False)
            return self.connection.read_response()
        answered = False
        try:
            self.sock.sendall(packed)
            while True:
                reply = self.reader.gets()
                if reply is not False:
                    return reply
                received = self.sock.recv_into(self.buffer)
                if not received:
                    raise ConnectionResetError("Redis closed the connection")
                answered = True
                self.reader.feed(self.buffer, 0, received)
        except _DROPPED as exc:
            raise (_Dropped if not answered else RedisConnectionError)(str(exc)) from exc

    def close(self) -> None:
        self.connection.disconnect()


def _channels() -> dict[int, _Channel]:
    channels = getattr(_local, "channels", None)
    if channels is None:
        channels = _local.channels = {}
    return channels


def _channel(r: Redis) -> _Channel:
    """This thread's channel to the server of ``r``'s pool (one per master in a cluster)."""
    channels = _channels()
    channel = channels.get(id(r.connection_pool))
    if channel is None or channel.generation != _generation:
        if channel is not None:
            channel.close()
        channel = channels[id(r.connection_pool)] = _Channel(r)
    return channel


def evalsha(r: Redis | RedisCluster, script: Script, keys: Sequence[str], args: Sequence[object]) -> Any:
    """Run ``script`` by its SHA on this thread's connection; load it first if Redis lost it."""
    if isinstance(r, RedisCluster):
        try:
            node = r.get_redis_connection(r.nodes_manager.get_node_from_slot(r.keyslot(keys[0])))
            return _evalsha(node, script, keys, args)
        except _Redirected:
            pass
        except RedisConnectionError:
            pass  # the master is gone: RedisCluster refreshes its slot map and tries the new one
        return script(keys, args, client=r)
    return _evalsha(r, script, keys, args)


class _Redirected(ResponseError):
    """A cluster node answered that another serves the slot (or none does, for now)."""


def _evalsha(r: Redis, script: Script, keys: Sequence[str], args: Sequence[object]) -> Any:
    packed = hiredis.pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))
    pool_id = id(r.connection_pool)
    try:
        try:
            reply = _channel(r).call(packed)
        except _Dropped:
            _drop(pool_id)
            reply = _channel(r).call(packed)
        if isinstance(reply, hiredis.ReplyError):
            _refused(str(reply), pool_id)
    except NoScriptError:
        return script(keys, args, client=r)  # loads it, on the pool's connection
    except ResponseError:
        raise  # an answer: the connection is fine
    except BaseException:
        _drop(pool_id)
        raise
    return reply


def _refused(message: str, pool_id: int) -> None:
    """Raise what an error reply means: a lost script, a moved slot, a replica, or a refusal."""
    if message.startswith("NOSCRIPT"):
        raise NoScriptError(message)
    if message.encode().startswith(_REDIRECTED):
        raise _Redirected(message)
    if message.startswith("READONLY"):
        _drop(pool_id)  # the server became a replica: reconnect to the master
        raise RedisConnectionError(message)
    raise ResponseError(message)


def _drop(pool_id: int) -> None:
    channel = _channels().pop(pool_id, None)
    if channel is not None:
        channel.close()


def _forked() -> None:
    """A forked child (a gunicorn worker) must not talk on its parent's sockets."""
    _local.channels = None


os.register_at_fork(after_in_child=_forked)


def forget() -> None:
    """Make every thread reconnect on its next call (the Redis settings changed)."""
    global _generation
    _generation += 1
