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
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Sequence
from typing import Any

import hiredis
from redis import Redis
from redis.commands.core import Script
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

__all__ = ["evalsha", "forget"]

_BUFFER = 65536
_DROPPED = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
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
        self.key = (_generation, id(pool))

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


def _channel(r: Redis) -> _Channel:
    channel = getattr(_local, "channel", None)
    if channel is None or channel.key != (_generation, id(r.connection_pool)):
        if channel is not None:
            channel.close()
        channel = _local.channel = _Channel(r)
    return channel


def evalsha(r: Redis, script: Script, keys: Sequence[str], args: Sequence[object]) -> Any:
    """Run ``script`` by its SHA on this thread's connection; load it first if Redis lost it."""
    packed = hiredis.pack_command(("EVALSHA", script.sha, len(keys), *keys, *args))
    try:
        try:
            reply = _channel(r).call(packed)
        except _Dropped:
            _drop()
            reply = _channel(r).call(packed)
        if isinstance(reply, hiredis.ReplyError):
            raise (NoScriptError if str(reply).startswith("NOSCRIPT") else ResponseError)(str(reply))
    except NoScriptError:
        return script(keys, args, client=r)  # loads it, on the pool's connection
    except ResponseError:
        raise  # an answer: the connection is fine
    except BaseException:
        _drop()
        raise
    return reply


def _drop() -> None:
    channel = getattr(_local, "channel", None)
    _local.channel = None
    if channel is not None:
        channel.close()


def _forked() -> None:
    """A forked child (a gunicorn worker) must not talk on its parent's socket."""
    _local.channel = None


os.register_at_fork(after_in_child=_forked)


def forget() -> None:
    """Make every thread reconnect on its next call (the Redis settings changed)."""
    global _generation
    _generation += 1
