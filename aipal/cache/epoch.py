"""Which lifetime of the Redis server the keys belong to.

NOTE: a Redis that restarts from an RDB or AOF file brings back old entries *and* the
old generations they were stamped with, while invalidations applied after its last
save are lost. So every key carries the server's ``run_id`` (new at every start):
after a restart, entries of the previous lifetime are never read again and expire
by TTL. Each new connection reads the ``run_id`` before its first command
(``redis_connect_func``); a call whose keys were built under another ``run_id`` than
the one the server has is discarded by ``client`` (served from the database).
"""

from __future__ import annotations

import logging
import threading

from redis import Redis
from redis.connection import AbstractConnection
from redis.exceptions import ResponseError

__all__ = ["current", "learn", "on_connect"]

log = logging.getLogger(__name__)
# Servers without INFO (the embedded fakeredis) never restart with old data.
NO_RUN_ID = "0"
_lock = threading.Lock()
_current: str | None = None
_warned = False


def _run_id(info: bytes | str) -> str:
    text = info.decode() if isinstance(info, bytes) else info
    for line in text.splitlines():
        if line.startswith("run_id:"):
            return line.partition(":")[2].strip()[:12]
    return NO_RUN_ID


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


def observe(run_id: str) -> None:
    """Record the run_id a fresh connection found."""
    global _current
    with _lock:
        if _current is not None and _current != run_id:
            log.warning("Redis restarted (run_id %s -> %s): entries of its previous life are ignored", _current, run_id)
        _current = run_id


def on_connect(connection: AbstractConnection) -> None:
    """``redis_connect_func``: the usual handshake, then learn the server's run_id."""
    connection.on_connect()
    try:
        connection.send_command("INFO", "server")
        run_id = _run_id(connection.read_response())
    except ResponseError:
        run_id = NO_RUN_ID
    if run_id == NO_RUN_ID:
        _warn_unknown(type(connection))
    observe(run_id)


def learn(client: Redis) -> None:
    """Ask the server its run_id (when no new connection has told us yet)."""
    try:
        run_id = str(client.info("server").get("run_id", NO_RUN_ID))[:12]
    except ResponseError:
        run_id = NO_RUN_ID
    if run_id == NO_RUN_ID:
        _warn_unknown(client.connection_pool.connection_class)
    observe(run_id)


def current() -> str | None:
    """Return the run_id of the server as last seen by a new connection (None before any)."""
    return _current


def forget() -> None:
    """Forget the server identity (tests that point the app at another server)."""
    global _current
    with _lock:
        _current = None
