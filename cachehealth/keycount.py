"""How many keys this app holds in Redis: a SCAN on ``<prefix>:*``, bounded and remembered.

The Redis may be shared with other apps, so DBSIZE would count their keys too; only a
SCAN matching the app's prefix counts ours. A SCAN costs O(keys of the whole Redis)
while health is polled every few seconds, so:

- the count is remembered per process for ``COUNT_TTL_SECONDS``: polls in between cost
  nothing (a figure up to that old is fine for a key count);
- one count makes at most ``MAX_SCAN_CALLS`` calls of ``SCAN_COUNT`` slots each
  (about half a million keys); on a larger Redis it stops there and reports what it
  counted, flagged as a lower bound, instead of holding a worker for seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from redis import Redis

from aipal.cache import client, keys

__all__ = ["COUNT_TTL_SECONDS", "KeysCount", "app_keys_count", "forget"]

COUNT_TTL_SECONDS = 10.0
SCAN_COUNT = 1000
MAX_SCAN_CALLS = 500


@dataclass(frozen=True)
class KeysCount:
    """A count of this app's keys; ``complete`` is False when the SCAN stopped at its bound."""

    count: int
    complete: bool


class _Remembered:
    """The last count of this process and when (monotonic) it was taken."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: KeysCount | None = None
        self.pattern = ""
        self.taken_at = 0.0


_last = _Remembered()


def forget() -> None:
    """Drop the remembered count (tests, or after a flush)."""
    with _last.lock:
        _last.value = None


def _scan_count(pattern: str) -> KeysCount:
    def op(r: Redis) -> KeysCount:
        cursor, count = 0, 0
        for _ in range(MAX_SCAN_CALLS):
            cursor, names = r.scan(cursor=cursor, match=pattern, count=SCAN_COUNT)
            count += len(names)
            if int(cursor) == 0:
                return KeysCount(count, complete=True)
        return KeysCount(count, complete=False)

    return client.guarded(op)


def app_keys_count() -> KeysCount:
    """Return the number of keys under ``CACHE_KEY_PREFIX``, at most COUNT_TTL_SECONDS old.

    Raise CacheUnavailable when Redis fails (nothing is remembered then).
    """
    pattern = keys.app_key_pattern()
    now = time.monotonic()
    with _last.lock:
        if _last.value is not None and _last.pattern == pattern and now - _last.taken_at < COUNT_TTL_SECONDS:
            return _last.value
    value = _scan_count(pattern)
    with _last.lock:
        _last.value, _last.pattern, _last.taken_at = value, pattern, now
    return value
