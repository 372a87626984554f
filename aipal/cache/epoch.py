"""Which lifetime of the Redis server the keys belong to.

NOTE: a Redis that restarts from an RDB or AOF file brings back old entries *and* the
old generations they were stamped with, while invalidations applied after its last
save are lost. So every key carries the server's ``run_id`` (new at every start):
after a restart, entries of the previous lifetime are never read again and expire
by TTL. Each new connection reads the ``run_id`` before its first command
(``redis_connect_func``); a call whose keys were built under another ``run_id`` than
the one the server has is discarded by ``client`` (served from the database).

In a Redis Cluster each master has its own lifetime: one is kept per node
(``host:port``), and a user's keys name the lifetime of the master serving the user's
slot. A failover (a replica promoted) therefore retires the keys the old master held,
including any invalidation it acknowledged but never passed on to its replica. The same
holds for a Sentinel failover (see ``client.guard``).

NOTE: with replicas (a cluster, Sentinel) a lifetime is the run_id *and* the
replication ID (``master_replid``, new at every promotion): a master cut off by a
partition keeps its process and run_id, rejoins as a replica, copies the new master's
keys (still named by its own old lifetime, and possibly missing an invalidation it took
before the partition), and may be promoted again. Its new replication ID makes those
names unreachable (``on_connect_replicated``). A single server keeps the run_id alone,
so its keys keep their names from one release to the next.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from redis import Redis
from redis.connection import AbstractConnection
from redis.exceptions import ResponseError
from redis.sentinel import SentinelConnectionPool

__all__ = ["current", "learn", "on_connect"]

log = logging.getLogger(__name__)
# Servers without INFO (the embedded fakeredis) never restart with old data.
NO_RUN_ID = "0"
_lock = threading.Lock()
_current: str | None = None
_nodes: dict[str, str] = {}  # host:port -> run_id, for a cluster's masters
_warned = False


def _field(info: bytes | str, name: str) -> str | None:
    text = info.decode() if isinstance(info, bytes) else info
    for line in text.splitlines():
        if line.startswith(f"{name}:"):
            return line.partition(":")[2].strip()
    return None


def _run_id(info: bytes | str) -> str:
    run_id = _field(info, "run_id")
    return run_id[:12] if run_id else NO_RUN_ID


def lifetime(run_id: str, replication_id: str | None) -> str:
    """The name of a server's lifetime: its run_id, and with replicas its replication ID too
    (12 hex digits either way, so keys keep their length)."""
    if run_id == NO_RUN_ID or not replication_id:
        return run_id
    return hashlib.blake2b(f"{run_id}:{replication_id}".encode(), digest_size=6).hexdigest()


def _warn_unknown(connection_class: type) -> None:
    """A real Redis that hides its run_id (INFO denied by an ACL) defeats restart detection."""
    global _warned
    if _warned or connection_class.__module__.startswith("fakeredis"):
        return
    _warned = True
    log.error(
        "Redis does not report its run_id (is INFO denied to this user?): a restart from an RDB/AOF "
        "file cannot be detected and entries of its previous life could be served. Allow INFO."
    )


def observe(run_id: str, node: str | None = None) -> None:
    """Record the run_id a fresh connection to ``node`` (``host:port``) found."""
    global _current
    with _lock:
        previous = _nodes.get(node) if node is not None else _current
        if previous is not None and previous != run_id:
            where = f" at {node}" if node else ""
            log.warning(
                "Redis%s restarted or was replaced (run_id %s -> %s): entries of its previous life are ignored",
                where,
                previous,
                run_id,
            )
        if node is not None:
            _nodes[node] = run_id
        _current = run_id


def on_connect(connection: AbstractConnection) -> None:
    """``redis_connect_func``: the usual handshake, then learn the server's run_id."""
    connection.on_connect()
    try:
        connection.send_command("INFO", "server")
        run_id = _run_id(connection.read_response())
    except ResponseError:
        run_id = NO_RUN_ID
    _observed(connection, run_id)


def on_connect_replicated(connection: AbstractConnection) -> None:
    """``redis_connect_func`` of a cluster's or Sentinel's connections: the usual handshake,
    then learn the server's run_id and replication ID, in one round trip."""
    connection.on_connect()
    connection.send_packed_command(connection.pack_commands([("INFO", "server"), ("INFO", "replication")]))
    answers = []
    for _ in range(2):
        try:
            answers.append(connection.read_response())
        except ResponseError:
            answers.append("")
    run_id = _run_id(answers[0])
    _observed(connection, lifetime(run_id, _field(answers[1], "master_replid")))


def _observed(connection: AbstractConnection, run_id: str) -> None:
    if run_id == NO_RUN_ID:
        _warn_unknown(type(connection))
    host, port = getattr(connection, "host", None), getattr(connection, "port", None)
    observe(run_id, f"{host}:{port}" if host else None)


def learn(client: Redis, node: str | None = None) -> None:
    """Ask the server (``node``'s, of a cluster) its lifetime when no new connection has told
    us yet: a cluster's master or a Sentinel's names its replication ID too."""
    replicated = node is not None or isinstance(client.connection_pool, SentinelConnectionPool)
    try:
        run_id = str(client.info("server").get("run_id", NO_RUN_ID))[:12]
        if replicated:
            run_id = lifetime(run_id, str(client.info("replication").get("master_replid", "")))
    except ResponseError:
        run_id = NO_RUN_ID
    if run_id == NO_RUN_ID:
        _warn_unknown(client.connection_pool.connection_class)
    observe(run_id, node)


def current(node: str | None = None) -> str | None:
    """Return the run_id of the server (a cluster's ``node``) as last seen by a new
    connection (None before any)."""
    return _current if node is None else _nodes.get(node)


def forget() -> None:
    """Forget the server identities (tests that point the app at another server)."""
    global _current
    with _lock:
        _current = None
        _nodes.clear()
