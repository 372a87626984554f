"""Counters of what the cache did: Prometheus metrics per process, totals shared in Redis.

Hits and misses are counted in Prometheus (``cache_hits_total``, ...) and in a local
tally that the maintenance thread (``background``) adds to a Redis hash once a second
(totals and ``hits:<FAMILY>`` / ``misses:<FAMILY>``), so cache-health's ``hit_rate``
covers every process of the deployment and counting never adds a round trip to a request.

NOTE: under gunicorn the metrics live in ``PROMETHEUS_MULTIPROC_DIR`` (see
``gunicorn.conf.py``) and ``/metrics`` sums the workers' files; each gauge therefore names
how its per-process values combine (``multiprocess_mode``). Labels carry families, events
and outcomes, never user or object ids.
"""

from __future__ import annotations

import atexit
import threading
from collections import Counter as Tally
from collections.abc import Iterable
from functools import cache
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from aipal.cache import keys
from aipal.cache.keys import ALL_SPECS

__all__ = [
    "record_bypass",
    "record_error",
    "record_hit",
    "record_invalidation",
    "record_miss",
    "record_redis_call",
    "set_breaker_state",
    "flush",
    "shared_totals",
    "snapshot",
]

CACHE_HITS = Counter("cache_hits", "Cached GETs answered from Redis.", ["family"])
CACHE_MISSES = Counter("cache_misses", "Cached GETs answered from the database and stored.", ["family"])
CACHE_BYPASS = Counter("cache_bypass", "Cached GETs served without the cache.", ["family"])
CACHE_ERRORS = Counter("cache_errors", "Redis calls that failed or met an open breaker.")
INVALIDATIONS = Counter(
    "cache_invalidations",
    "Invalidations per user, by event and outcome (applied, failed, replayed, lost).",
    ["event", "outcome"],
)
INVALIDATION_LAG = Gauge(
    "cache_invalidation_lag_ms", "Last delay from commit to applied invalidation.", multiprocess_mode="mostrecent"
)
INVALIDATION_DELAY = Histogram(
    "cache_invalidation_delay_ms",
    "Delay from commit to applied invalidation, in milliseconds, by outcome (applied at once or replayed).",
    ["outcome"],
    buckets=(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000),
)
REDIS_LATENCY = Histogram(
    "redis_operation_duration_ms",
    "Time of one guarded Redis call (a command, pipeline or script), in milliseconds.",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000),
)
# The worst breaker among the live processes: 0 closed, 1 half-open, 2 open.
BREAKER_STATE = Gauge(
    "cache_breaker_state", "Redis circuit breaker: 0 closed, 1 half-open, 2 open.", multiprocess_mode="livemax"
)
_BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}
_UNKNOWN_EVENT = "unknown"  # a replayed or lost invalidation: the outbox keeps fields, not events


def _declare_families() -> None:
    """Create every family's series at 0: under gunicorn ``/metrics`` lists only the series
    some worker has written, and the seed's names must be there before the first hit."""
    for spec in ALL_SPECS:
        for counter in (CACHE_HITS, CACHE_MISSES, CACHE_BYPASS):
            counter.labels(spec.name)


_declare_families()

_TOTALS_TTL_SECONDS = 7 * 24 * 3600
_lock = threading.Lock()
_local = Tally()  # everything since process start, for cache_stats and tests
_unflushed = Tally()  # hits/misses not yet added to the shared Redis totals


def _count(name: str) -> None:
    with _lock:
        _local[name] += 1


@cache
def _hits(family: str) -> Any:
    """The hit counter of one family, looked up once (a hit is counted on the fast path)."""
    return CACHE_HITS.labels(family)


def _count_read(kind: str, family: str) -> None:
    with _lock:
        _local[kind] += 1
        _unflushed[kind] += 1
        _unflushed[f"{kind}:{family}"] += 1


def record_hit(family: str) -> None:
    _hits(family).inc()
    _count_read("hits", family)


def record_miss(family: str) -> None:
    CACHE_MISSES.labels(family).inc()
    _count_read("misses", family)


def record_bypass(family: str) -> None:
    CACHE_BYPASS.labels(family).inc()
    _count("bypass")


def record_error() -> None:
    CACHE_ERRORS.inc()
    _count("errors")


def record_invalidation(outcome: str, lag_ms: float | None = None, *, events: Iterable[str] = ()) -> None:
    """Count one user's invalidation under each event behind it, and its lag when it was applied."""
    for event in tuple(events) or (_UNKNOWN_EVENT,):
        INVALIDATIONS.labels(event, outcome).inc()
    _count(f"invalidations_{outcome}")
    if lag_ms is not None:
        INVALIDATION_LAG.set(lag_ms)
        INVALIDATION_DELAY.labels(outcome).observe(lag_ms)


record_redis_call = REDIS_LATENCY.observe  # bound once: the hit path calls it (milliseconds)


def set_breaker_state(state: str) -> None:
    """Record the breaker's state by pybreaker's name for it (closed, half-open, open)."""
    BREAKER_STATE.set(_BREAKER_STATES.get(state, 0))


def snapshot() -> dict[str, int]:
    """Return this process's counters."""
    with _lock:
        return dict(_local)


def shared_totals_key() -> str:
    return keys.app_key("stats")


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
