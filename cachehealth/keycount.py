"""How many keys this app holds in Redis: a SCAN on ``<prefix>:*``, time-boxed and shared.

The Redis may be shared with other apps, so DBSIZE would count their keys too; only a
SCAN matching the app's prefix counts ours. A SCAN costs O(keys of the whole Redis)
while every process answers health polls, so:

- one count runs at most ``SCAN_BUDGET_SECONDS`` (then it stops and says how far it
  got: a lower bound, never a worker held for seconds);
- the count is shared in Redis (``shared_count_key()``, ``SHARED_TTL_SECONDS``): every
  process serves it, and one process at a time recounts once it expires (a SET NX lock);
  a process that finds neither the count nor the lock free serves its last count;
- that last count belongs to one Redis, prefix and server lifetime: a change of
  ``CACHES`` or ``AIPAL_CACHE`` forgets it, and so does ``forget()``.

The count includes the app's bookkeeping keys (generation hashes, the shared hit and
miss totals, the health probe's entries, this count and its lock): they are keys of
this app, and they take Redis memory like the entries do.

NOTE: the pages are read with raw SCAN cursors, not ``scan_iter``: with MATCH, a Redis
full of other apps' keys returns empty pages that ``scan_iter`` loops over without
yielding, so the time budget could not be checked between them. On a Redis Cluster
``client.scan_pages`` is the one place to scan node by node.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis import Redis

from aipal.cache import client, keys
from aipal.cache.conf import cache_settings

__all__ = ["SHARED_TTL_SECONDS", "KeysCount", "app_keys_count", "forget", "shared_count_key"]

SHARED_TTL_SECONDS = 10
SCAN_BUDGET_SECONDS = 0.05
SCAN_COUNT = 1000
LOCK_MS = 2000  # far above the budget: a count that outlives it may be repeated, never wrong
_RELEASE = client.lua_script("release")


@dataclass(frozen=True)
class KeysCount:
    """A count of this app's keys; ``complete`` is False when the SCAN ran out of its time
    budget, having visited about ``visited`` keys of the Redis."""

    count: int
    complete: bool = True
    visited: int = 0

    def encoded(self) -> str:
        return f"{self.count} {int(self.complete)} {self.visited}"

    @classmethod
    def decoded(cls, raw: bytes | str) -> KeysCount:
        text = raw.decode() if isinstance(raw, bytes) else raw
        count, complete, visited = (int(part) for part in text.split())
        return cls(count, bool(complete), visited)


class _LastCount:
    """This process's last count, and the (Redis location, prefix, run_id) it belongs to."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: tuple[Any, ...] | None = None
        self.value: KeysCount | None = None

    def get(self, owner: tuple[Any, ...]) -> KeysCount | None:
        with self.lock:
            return self.value if self.owner == owner else None

    def keep(self, owner: tuple[Any, ...], value: KeysCount) -> None:
        with self.lock:
            self.owner, self.value = owner, value

    def clear(self) -> None:
        with self.lock:
            self.owner, self.value = None, None


_last = _LastCount()


def forget() -> None:
    """Drop this process's last count (tests, another Redis, or after a flush)."""
    _last.clear()


@receiver(setting_changed, dispatch_uid="cachehealth.keycount.forget")
def _forget_on_change(*, setting: str, **kwargs: object) -> None:
    if setting in {"CACHES", "AIPAL_CACHE"}:
        forget()


def shared_count_key() -> str:
    """Return the key of the count every process serves (under the app's prefix)."""
    return keys.app_key("health:keys_count")


def _owner() -> tuple[Any, ...]:
    location = settings.CACHES.get("default", {}).get("LOCATION")
    return (str(location), cache_settings().key_prefix, client.server_lifetimes())


def _scan(r: Redis, match: str) -> KeysCount:
    deadline = time.perf_counter() + SCAN_BUDGET_SECONDS
    count = calls = 0
    for names, _ in client.scan_pages(r, match, SCAN_COUNT):
        count += len(names)
        calls += 1
        if time.perf_counter() > deadline:
            return KeysCount(count, complete=False, visited=calls * SCAN_COUNT)
    return KeysCount(count)


def _shared_or_recounted(r: Redis, match: str, token: str) -> KeysCount | None:
    """Return the shared count; else recount under the lock and share it; None while another
    process holds the lock."""
    shared_key = shared_count_key()
    lock_key = f"{shared_key}#lock"
    raw = r.get(shared_key)
    if raw is not None:
        return KeysCount.decoded(raw)
    if not r.set(lock_key, token, nx=True, px=LOCK_MS):
        return None
    try:
        counted = _scan(r, match)
        r.set(shared_key, counted.encoded(), ex=SHARED_TTL_SECONDS)
    finally:
        _RELEASE((lock_key,), (token,), client=r)
    return counted


def app_keys_count() -> KeysCount | None:
    """Return the number of keys under ``CACHE_KEY_PREFIX``, at most SHARED_TTL_SECONDS old
    (or this process's last count while another process recounts; None before any).

    Raise CacheUnavailable when Redis fails.
    """
    match = keys.app_key_pattern()
    token = client.new_token()
    counted = client.guarded(lambda r: _shared_or_recounted(r, match, token))
    owner = _owner()
    if counted is None:
        return _last.get(owner)
    _last.keep(owner, counted)
    return counted
