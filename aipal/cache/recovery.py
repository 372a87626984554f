"""Failed invalidations are kept in the database and replayed; none is lost silently.

- ``record``: a bump that failed after its write committed becomes a
  ``PendingInvalidation`` row (the database is up: the write itself just committed).
- ``ready``: after any Redis failure it saw, a process replays the whole outbox before
  it serves from Redis again, so it never serves an entry whose data changed while it
  could not reach Redis. ``clean`` asks the same without a query (the fast path, which
  must not touch the database: during a PostgreSQL outage hits go on being answered).
- ``drain``, run by every process's maintenance thread (``background``), replays rows
  other processes left (one process cut off from Redis while the others are not) within
  ``OUTBOX_POLL_SECONDS``: the only window in which another process may serve the old
  entry.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable

from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from aipal.cache import client, stats
from aipal.db import wal

__all__ = ["clean", "drain", "forget_failures", "ready", "record", "replay"]

log = logging.getLogger(__name__)
_REPLAY_BATCH = 500
_lock = threading.Lock()
_recorded = 0  # outbox rows this process wrote
_clean_at = (0, 0)  # (client.failure_count(), _recorded) at the last complete replay


def record(user_id: int, fields: Iterable[str]) -> None:
    """Keep one failed invalidation until Redis takes it."""
    from aipal.cache.models import PendingInvalidation

    global _recorded
    try:
        PendingInvalidation.objects.create(user_id=user_id, fields=sorted(fields))
        with _lock:
            _recorded += 1  # counted after the insert: a replay that ran before it missed it
    except DatabaseError:
        stats.record_invalidation("lost")
        log.critical("Invalidation of user %s lost: neither Redis nor the database took it", user_id)


def replay(batch: int = _REPLAY_BATCH) -> bool:
    """Apply every pending invalidation; return True when the outbox is empty afterwards."""
    from aipal.cache.models import PendingInvalidation

    while True:
        rows = list(
            PendingInvalidation.objects.order_by("id").values_list("id", "user_id", "fields", "created_at")[:batch]
        )
        if not rows:
            return True
        per_user: dict[int, set[str]] = defaultdict(set)
        for _, user_id, fields, _ in rows:
            per_user[user_id].update(fields)
        try:
            # The primary's position now has passed every write behind these rows.
            client.bump_generations(per_user, lsn=wal.commit_position())
        except client.CacheUnavailable:
            return False
        PendingInvalidation.objects.filter(id__in=[row[0] for row in rows]).delete()
        now = timezone.now()
        for *_, created_at in rows:
            stats.record_invalidation("replayed", (now - created_at).total_seconds() * 1000)
        log.info("Replayed %d pending invalidations for %d users", len(rows), len(per_user))
        if len(rows) < batch:
            return True


def clean() -> bool:
    """Whether this process has replayed the outbox since its last Redis failure (no query)."""
    return (client.failure_count(), _recorded) == _clean_at


def forget_failures() -> None:
    """Count this process clean as it stands (tests that start from a known state)."""
    global _clean_at
    with _lock:
        _clean_at = (client.failure_count(), _recorded)


def ready() -> bool:
    """Return True when this process may serve from Redis (replaying first if it must)."""
    if clean():
        return True
    if client.breaker_resting():
        return False  # no replay (and no query) until the breaker lets a trial call through
    return _replay_and_mark()


def _replay_and_mark() -> bool:
    """Replay the whole outbox; once it is empty, this process is clean as of the start."""
    global _clean_at
    marker = (client.failure_count(), _recorded)
    try:
        complete = replay()
    except DatabaseError as exc:
        log.error("Cannot read pending invalidations: %s", exc)
        return False
    if complete:
        with _lock:
            _clean_at = max(_clean_at, marker)
    return complete


def drain() -> None:
    """The maintenance thread's job: replay what other processes left, and make this
    process clean again after a Redis failure without waiting for a request to do it."""
    from aipal.cache.models import PendingInvalidation

    try:
        close_old_connections()
        if not clean() and not client.breaker_resting():
            _replay_and_mark()
        elif PendingInvalidation.objects.exists():
            replay()
    except DatabaseError as exc:
        log.warning("Outbox drainer cannot read the database: %s", exc)
