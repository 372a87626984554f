"""The cache-health figures of API.md, read from Redis and the counters shared in it.

Every Redis call goes through ``aipal.cache.client`` (short timeouts, circuit breaker),
so an outage becomes ``redis_connected: false`` with null figures, never an exception
or a hang. What each figure measures:

- ``response_time_ms``: the round trip of a PING from this process.
- ``memory_used_mb``: Redis's ``used_memory`` (INFO memory) in MiB: the whole server's,
  other apps' data included: Redis keeps no total per key prefix.
- ``keys_count``: the keys under ``CACHE_KEY_PREFIX`` only, the app's bookkeeping keys
  included (``keycount``: a time-boxed SCAN shared by every process for a few seconds).
  None while Redis fails, or while another process makes the first count.
- ``hit_rate``: hits / (hits + misses) over every process and server, from the totals
  each process adds to Redis (``aipal.cache.stats``).
- ``evictions_per_minute``: the server's ``evicted_keys`` as a rate (``evictions``).
- ``invalidation``: the end-to-end invalidation probe (``probe``): ok, failed, unknown;
  None while Redis does not answer or ``CACHE_ENABLED`` is false.
- ``warnings``: what in Redis's settings or these figures needs an operator's attention
  (``memory_policy``; a failed or unfinished probe; a partial key count).

``status`` is API.md's: ``unhealthy`` when Redis does not answer, ``degraded`` when it
answers slowly (PING at or over ``SLOW_PING_MS``), else ``healthy``. A failed probe or a
risky memory policy is a warning, not a status. ``check_health``, ``is_healthy`` and
``get_status_string`` are the seed's API, as functions and as methods of
``CacheHealthChecker``.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.db import DEFAULT_DB_ALIAS, Error, connections

from aipal.cache import client, stats
from aipal.cache.conf import cache_settings
from aipal.timefmt import iso
from cachehealth.evictions import evictions_per_minute
from cachehealth.keycount import app_keys_count
from cachehealth.memory_policy import memory_policy_report
from cachehealth.probe import InvalidationCheck, probe_invalidation
from cachehealth.redisprobe import SLOW_PING_MS, RedisProbe, ping_ms, probe_redis

__all__ = [
    "SLOW_PING_MS",
    "CacheHealth",
    "CacheHealthChecker",
    "HealthStatus",
    "RedisProbe",
    "check_health",
    "get_status_string",
    "is_healthy",
    "database_reachable",
    "probe_redis",
    "shared_hit_rate",
]

log = logging.getLogger(__name__)

_BYTES_PER_MB = 1024 * 1024


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


def status_for(connected: bool, response_time_ms: float | None) -> HealthStatus:
    """Return healthy (connected, PING under SLOW_PING_MS), degraded (connected but slow)
    or unhealthy (not connected)."""
    if not connected:
        return HealthStatus.UNHEALTHY
    if response_time_ms is not None and response_time_ms < SLOW_PING_MS:
        return HealthStatus.HEALTHY
    return HealthStatus.DEGRADED


def shared_hit_rate() -> float | None:
    """Return hits / (hits + misses) over every process; None before any read or when unreadable."""
    try:
        totals = stats.shared_totals()
    except client.CacheUnavailable:
        return None
    hits, misses = totals.get("hits", 0), totals.get("misses", 0)
    return round(hits / (hits + misses), 4) if hits + misses else None


def database_reachable(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Return whether the database answers ``SELECT 1``."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as exc:
        log.error("Database check failed: %s", exc)
        return False
    return True


@dataclass(frozen=True)
class CacheHealth:
    """The body of ``GET /api/system/cache-health``, in API.md's field order (then the additions)."""

    redis_connected: bool
    response_time_ms: float | None
    memory_used_mb: float | None
    keys_count: int | None
    hit_rate: float | None
    evictions_per_minute: float | None
    errors_count: int
    backend: str
    timestamp: str
    status: HealthStatus
    invalidation: InvalidationCheck | None = None  # None: Redis does not answer, or the cache is off
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "status": self.status.value,
            "invalidation": None if self.invalidation is None else self.invalidation.value,
            "warnings": list(self.warnings),
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _keys_count(warnings: list[str]) -> int | None:
    try:
        counted = app_keys_count()
    except client.CacheUnavailable:
        return None
    if counted is None:
        return None
    if not counted.complete:
        warnings.append(f"keys_count is a lower bound: visited about {counted.visited} keys, found {counted.count}.")
    return counted.count


class CacheHealthChecker:
    """Collect the cache-health figures: the seed's ``CacheHealthChecker`` for Django."""

    def check(self) -> CacheHealth:
        """Probe Redis, the shared counters and invalidation; figures that cannot be read are None."""
        probe = probe_redis()
        if not probe.connected:
            return self._health(probe, HealthStatus.UNHEALTHY)
        policy = memory_policy_report(probe.maxmemory, probe.maxmemory_policy)
        warnings = list(policy.warnings)
        invalidation = probe_invalidation()
        if invalidation is InvalidationCheck.FAILED:
            warnings.append("The invalidation probe failed: an invalidated entry was still served.")
        elif invalidation is InvalidationCheck.UNKNOWN:
            warnings.append("The invalidation probe could not finish: Redis failed or a fill was refused.")
        status = status_for(True, probe.response_time_ms)
        if status is HealthStatus.DEGRADED:
            log.warning("Cache response time degraded: %.0fms", probe.response_time_ms or 0.0)
        return self._health(
            probe,
            status,
            keys_count=_keys_count(warnings),
            hit_rate=shared_hit_rate(),
            invalidation=invalidation,
            warnings=tuple(warnings),
        )

    def _health(self, probe: RedisProbe, status: HealthStatus, **figures: Any) -> CacheHealth:
        memory = probe.used_memory_bytes
        return CacheHealth(
            redis_connected=probe.connected,
            response_time_ms=_rounded(probe.response_time_ms, 3),
            memory_used_mb=None if memory is None else round(memory / _BYTES_PER_MB, 2),
            keys_count=figures.pop("keys_count", None),
            hit_rate=figures.pop("hit_rate", None),
            evictions_per_minute=self._evictions(probe),
            errors_count=stats.snapshot().get("errors", 0),
            backend=cache_settings().backend_label,
            timestamp=iso(datetime.now(UTC)) or "",
            status=status,
            **figures,
        )

    @staticmethod
    def _evictions(probe: RedisProbe) -> float | None:
        if probe.evicted_keys is None or probe.server_time is None:
            return None
        return evictions_per_minute(probe.evicted_keys, probe.server_time)

    def check_health(self) -> CacheHealth:
        """Return every cache-health figure (the seed's ``check_health()``)."""
        return check_health()

    def is_healthy(self) -> bool:
        """Return whether Redis is connected and answers a PING under SLOW_PING_MS (the seed's ``is_healthy()``)."""
        return is_healthy()

    def get_status_string(self) -> str:
        """Return the one-line summary of a fresh check (the seed's ``get_status_string()``)."""
        return get_status_string()


def check_health() -> CacheHealth:
    """Return the cache-health figures (the seed's ``checker.check_health()``)."""
    return CacheHealthChecker().check()


def is_healthy() -> bool:
    """Return whether Redis is connected and a PING takes under SLOW_PING_MS (one PING, nothing written)."""
    try:
        return ping_ms() < SLOW_PING_MS
    except client.CacheUnavailable:
        return False


def _figure(value: float | int | None, unit: str = "", fmt: str = "{}") -> str:
    return "n/a" if value is None else fmt.format(value) + unit


def get_status_string(health: CacheHealth | None = None) -> str:
    """Return a one-line summary, e.g. ``✓ Redis Connected | Response Time: 2.5ms | ... | Status: healthy``."""
    health = check_health() if health is None else health
    if not health.redis_connected:
        return f"✗ Redis Disconnected | Errors: {health.errors_count} | Status: {health.status.value}"
    hit_rate = None if health.hit_rate is None else health.hit_rate * 100
    parts = [
        "✓ Redis Connected" if health.status is HealthStatus.HEALTHY else "! Redis Connected",
        f"Response Time: {_figure(health.response_time_ms, 'ms', '{:.1f}')}",
        f"Memory: {_figure(health.memory_used_mb, 'MB', '{:.1f}')}",
        f"Keys: {_figure(health.keys_count)}",
        f"Hit Rate: {_figure(hit_rate, '%', '{:.1f}')}",
        f"Invalidation: {_figure(health.invalidation and health.invalidation.value)}",
        f"Status: {health.status.value}",
    ]
    return " | ".join(parts)


def quick_status() -> HealthStatus:
    """The cache status for ``/api/health``: one PING bounded to a quarter second."""
    if client.breaker_resting():
        return HealthStatus.UNHEALTHY
    ms = client.probe()
    return status_for(ms is not None, ms)
