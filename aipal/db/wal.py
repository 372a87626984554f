"""WAL positions: the primary's after a write, each replica's replay, and the replica a
cache miss may read from.

The rule (README, "PostgreSQL read replicas"): every generation bump stores, as the
user's ``*lsn``, a primary position taken after the write committed; a miss whose stamp
carries ``*lsn = L`` loads from a replica whose ``pg_last_wal_replay_lsn()`` is at least
L, else from the primary. A replica has then replayed every write whose bump the stamp
saw; a write whose bump came later changed the generations, and its fill is refused.
A bump whose position is unknown (no replicas on its server, or the primary did not
answer) stores a marker instead, and the next miss takes the primary's position.

Positions are 64-bit integers (``pg_lsn - '0/0'``). Without replicas no position is
asked: no query, no cost.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from aipal.db.router import reading_from
from aipal.settings.replica_urls import REPLICA_PREFIX

__all__ = ["UNKNOWN", "Route", "commit_position", "load", "replica_aliases", "route"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# A commit position this process cannot give: the bump stores a marker as the user's
# ``*lsn`` (see bump.lua), so the next reader takes the primary's current position.
UNKNOWN = -1
# NOTE: the insert position, not ``pg_current_wal_lsn()`` (the write position): with
# ``synchronous_commit = off`` a commit returns before its record is written, so the write
# position can lie before it; the insert position is at or past every inserted commit
# record. When the last record ends a WAL page it points past the next page's header, and
# a replica counts as behind until another record arrives: a read on the primary, no more.
_PRIMARY_POSITION = "pg_current_wal_insert_lsn"
_REST_SECONDS = 5.0  # how long a replica that failed is left alone
_LOG_EVERY = 10.0


def replica_aliases() -> list[str]:
    """The ``DATABASES`` aliases of the configured replicas (``DATABASE_REPLICA_URLS``)."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def _position(alias: str, function: str) -> int | None:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {function}() - '0/0'::pg_lsn")
        value = cursor.fetchone()[0]
    return None if value is None else int(value)


def _in_transaction() -> bool:
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


def _on_postgresql() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def commit_position() -> int | None:
    """The primary's position now, to store with a bump (after its writes committed).

    ``UNKNOWN`` on PostgreSQL without replicas (no query) or when the primary does not
    answer: another server may read this user from replicas, and must not route by a
    position older than this write. None on SQLite, which has no replicas.
    """
    if not _on_postgresql():
        return None
    if not replica_aliases():
        return UNKNOWN
    try:
        return _position(DEFAULT_DB_ALIAS, _PRIMARY_POSITION)
    except DatabaseError as exc:
        log.warning("Cannot read the primary's WAL position (%s): the next reads go to the primary", exc)
        return UNKNOWN


class _Replicas:
    """Per process: a lower bound of each replica's replay position (it only grows), and
    the replicas resting after an error.

    NOTE: updated without a lock. Two threads racing may store the smaller of two
    positions they read; it is still a position the replica had passed.
    """

    def __init__(self) -> None:
        self.replayed: dict[str, int] = {}
        self.resting_until: dict[str, float] = {}
        self.logged_at: dict[str, float] = {}

    def choose(self, aliases: list[str], lsn: int) -> str:
        """A replica that has replayed ``lsn``, else ``default``: one query at most."""
        now = time.monotonic()
        usable = [alias for alias in aliases if self.resting_until.get(alias, 0.0) <= now]
        if not usable:
            return DEFAULT_DB_ALIAS
        start = random.randrange(len(usable))  # noqa: S311  (spreads the load, no secret)
        usable = usable[start:] + usable[:start]
        for alias in usable:
            if self.replayed.get(alias, -1) >= lsn:
                return alias
        alias = usable[0]
        try:
            replayed = _position(alias, "pg_last_wal_replay_lsn")
        except DatabaseError as exc:
            self.failed(alias, exc)
            return DEFAULT_DB_ALIAS
        if replayed is None:  # not in recovery (promoted?): not a replica we can reason about
            return DEFAULT_DB_ALIAS
        self.replayed[alias] = max(self.replayed.get(alias, -1), replayed)
        return alias if replayed >= lsn else DEFAULT_DB_ALIAS

    def failed(self, alias: str, exc: Exception) -> None:
        """Leave ``alias`` alone for a while; say so at most every ``_LOG_EVERY`` seconds."""
        now = time.monotonic()
        self.resting_until[alias] = now + _REST_SECONDS  # its broken connection is closed at the request's end
        if now - self.logged_at.get(alias, -_LOG_EVERY) >= _LOG_EVERY:
            self.logged_at[alias] = now
            log.warning("Replica %s failed (%s): reads go to the primary for %.0fs", alias, exc, _REST_SECONDS)


_replicas = _Replicas()


@dataclass(frozen=True)
class Route:
    """Where a miss loads from, and the position to store for its user when the stamp
    carried none (``floor``, the primary's position when it was read)."""

    alias: str = DEFAULT_DB_ALIAS
    floor: int | None = None


PRIMARY = Route()


def route(lsn: int | None) -> Route:
    """The database a miss whose stamp carried ``lsn`` loads from.

    A stamp without a position (``*lsn`` absent or a marker: a new generation hash, or a
    bump whose position was unknown) is routed by the primary's current position, which
    every write committed before the stamp was read has passed; the fill stores it for
    the next miss, unless a bump changed ``*lsn`` in between (see fill.lua).
    """
    aliases = replica_aliases()
    if not aliases or _in_transaction():
        return PRIMARY  # a transaction on the primary reads its own snapshot
    floor = None
    if lsn is None:
        try:
            floor = lsn = _position(DEFAULT_DB_ALIAS, _PRIMARY_POSITION)
        except DatabaseError:
            return PRIMARY  # the loader meets the same error and reports it
    return Route(_replicas.choose(aliases, lsn), floor)


def load(loader: Callable[[], T], where: Route) -> T:
    """Run ``loader`` on ``where``; a replica that fails hands the load to the primary."""
    if where.alias == DEFAULT_DB_ALIAS:
        return loader()
    try:
        with reading_from(where.alias):
            return loader()
    except DatabaseError as exc:
        _replicas.failed(where.alias, exc)
    return loader()


def forget() -> None:
    """Forget every replica's known position and rest (tests)."""
    global _replicas
    _replicas = _Replicas()
