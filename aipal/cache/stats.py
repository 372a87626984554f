"""Counters of what the cache did: Prometheus metrics per process, totals shared in Redis.

Hits and misses are counted in Prometheus (``cache_hits_total``, ...) and in a local
tally that the maintenance thread (``background``) adds to a Redis hash once a second,
so cache-health's ``hit_rate`` covers every process of the deployment and counting
never adds a round trip to a request.
"""

from __future__ import annotations

import atexit
import threading
from collections import Counter as Tally
from functools import cache
from typing import Any

from prometheus_client import Counter, Gauge

from aipal.cache.conf import cache_settings

__all__ = [
    "record_bypass",
    "record_error",
    "record_hit",
    "record_invalidation",
    "record_miss",
    "flush",
    "shared_totals",
    "snapshot",
]

CACHE_HITS = Counter("cache_hits", "Cached GETs answered from Redis.", ["family"])
CACHE_MISSES = Counter("cache_misses", "Cached GETs answered from the database and stored.", ["family"])
CACHE_BYPASS = Counter("cache_bypass", "Cached GETs served without the cache.", ["family"])
CACHE_ERRORS = Counter("cache_errors", "Redis calls that failed or met an open breaker.")
INVALIDATIONS = Counter("cache_invalidations", "Invalidations by outcome.", ["outcome"])
INVALIDATION_LAG = Gauge("cache_invalidation_lag_ms", "Last delay from commit to applied invalidation.")
BREAKER_OPEN = Gauge("cache_breaker_open", "1 while the Redis circuit breaker is open.")

_TOTALS_TTL_SECONDS = 7 * 24 * 3600
_lock = threading.Lock()
_local = Tally()  # everything since process start, for cache_stats and tests
_unflushed = Tally()  # hits/misses not yet added to the shared Redis totals


def _count(name: str) -> None:
    with _lock:
        _local[name] += 1
        if name in ("hits", "misses"):
            _unflushed[name] += 1


@cache
def _hits(family: str) -> Any:
    """The hit counter of one family, looked up once (a hit is counted on the fast path)."""
    return CACHE_HITS.labels(family)


def record_hit(family: str) -> None:
    _hits(family).inc()
    _count("hits")


def record_miss(family: str) -> None:
    CACHE_MISSES.labels(family).inc()
    _count("misses")


def record_bypass(family: str) -> None:
    CACHE_BYPASS.labels(family).inc()
    _count("bypass")


def record_error() -> None:
    CACHE_ERRORS.inc()
    _count("errors")


def record_invalidation(outcome: str, lag_ms: float | None = None) -> None:
    INVALIDATIONS.labels(outcome).inc()
    _count(f"invalidations_{outcome}")
    if lag_ms is not None:
        INVALIDATION_LAG.set(lag_ms)


def set_breaker_state(state: str) -> None:
    BREAKER_OPEN.set(1 if state == "open" else 0)


def snapshot() -> dict[str, int]:
    """Return this process's counters."""
    with _lock:
        return dict(_local)


def shared_totals_key() -> str:
    return f"{cache_settings().key_prefix}:stats"


def flush() -> None:
    """Add this process's new hits/misses to the shared totals (kept for later if Redis fails)."""
    with _lock:
        pending = dict(_unflushed)
        _unflushed.clear()
    if not pending:
        return
    from aipal.cache import client

    def op(r):  # type: ignore[no-untyped-def]
        pipe = r.pipeline(transaction=False)
        for name, amount in pending.items():
            pipe.hincrby(shared_totals_key(), name, amount)
        pipe.expire(shared_totals_key(), _TOTALS_TTL_SECONDS)  # a retired deployment's totals fade
        pipe.execute()

    try:
        client.guarded(op)
    except client.CacheUnavailable:
        with _lock:
            _unflushed.update(pending)


def shared_totals() -> dict[str, int]:
    """Return hits and misses summed over every process (this one flushed first)."""
    from aipal.cache import client

    flush()
    raw = client.guarded(lambda r: r.hgetall(shared_totals_key()))
    return {k.decode(): int(v) for k, v in raw.items()}


# A recycled worker must not take its last second of counts with it.
atexit.register(flush)
