"""The cache-health figures of API.md, read from Redis and the counters shared in it.

Every Redis call goes through ``aipal.cache.client`` (short timeouts, circuit breaker),
so an outage becomes ``redis_connected: false`` with null figures, never an exception
or a hang. Only O(1) commands run here (PING, DBSIZE, INFO, TIME, HGETALL): monitors
poll this every few seconds, and KEYS or SCAN would cost O(keys) on each poll.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.db import DEFAULT_DB_ALIAS, Error, connections
from redis import Redis

from aipal.cache import client, stats
from aipal.cache.conf import cache_settings
from aipal.timefmt import iso
from cachehealth.evictions import evictions_per_minute

__all__ = [
    "SLOW_PING_MS",
    "CacheHealth",
    "CacheHealthChecker",
    "HealthStatus",
    "RedisProbe",
    "database_reachable",
    "probe_redis",
    "shared_hit_rate",
]

log = logging.getLogger(__name__)

# The seed's threshold: a PING at or above this is "degraded".
SLOW_PING_MS = 10.0
_BYTES_PER_MB = 1024 * 1024


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


def status_for(connected: bool, response_time_ms: float | None) -> HealthStatus:
    """Return healthy (connected, PING under SLOW_PING_MS), degraded (slow) or unhealthy."""
    if not connected:
        return HealthStatus.UNHEALTHY
    if response_time_ms is not None and response_time_ms < SLOW_PING_MS:
        return HealthStatus.HEALTHY
    return HealthStatus.DEGRADED


@dataclass(frozen=True)
class RedisProbe:
    """What one probe of Redis saw; None where a figure could not be read."""

    connected: bool
    response_time_ms: float | None = None
    used_memory_bytes: int | None = None
    evicted_keys: int | None = None
    keys_count: int | None = None
    server_time: float | None = None


def _read_figures(r: Redis) -> list[Any]:
    """Read DBSIZE, INFO memory, INFO stats and TIME in one round trip.

    NOTE: a command Redis refuses (the embedded fakeredis has no INFO) leaves an
    exception in its slot instead of raising: it is an answer, not an outage, and must
    neither trip the circuit breaker nor count as a Redis error.
    """
    pipe = r.pipeline(transaction=False)
    pipe.dbsize()
    pipe.info("memory")
    pipe.info("stats")
    pipe.time()
    return pipe.execute(raise_on_error=False)


def _info_int(section: object, name: str) -> int | None:
    value = section.get(name) if isinstance(section, dict) else None
    return value if isinstance(value, int) else None


def _ping_ms() -> float:
    """Return the PING round trip; raise CacheUnavailable when Redis does not answer."""
    first = client.ping()
    if first < SLOW_PING_MS:
        return first
    # A fresh pooled connection pays its TCP handshake in the first PING: ask once more.
    return min(first, client.ping())


def probe_redis() -> RedisProbe:
    """PING Redis, then read its O(1) figures; never raises."""
    try:
        response_time_ms = _ping_ms()
    except client.CacheUnavailable:
        return RedisProbe(connected=False)
    try:
        keys_count, memory, counters, server_time = client.guarded(_read_figures)
    except client.CacheUnavailable:
        return RedisProbe(connected=True, response_time_ms=response_time_ms)
    return RedisProbe(
        connected=True,
        response_time_ms=response_time_ms,
        used_memory_bytes=_info_int(memory, "used_memory"),
        evicted_keys=_info_int(counters, "evicted_keys"),
        keys_count=keys_count if isinstance(keys_count, int) else None,
        server_time=server_time[0] + server_time[1] / 1e6 if isinstance(server_time, tuple) else None,
    )


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
    """The body of ``GET /api/system/cache-health``, in API.md's field order."""

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

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class CacheHealthChecker:
    """Collect the cache-health figures: the seed's ``CacheHealthChecker`` for Django."""

    def check(self) -> CacheHealth:
        """Probe Redis and the shared counters; figures that cannot be read are None."""
        probe = probe_redis()
        status = status_for(probe.connected, probe.response_time_ms)
        if status is HealthStatus.DEGRADED:
            log.warning("Cache response time degraded: %.0fms", probe.response_time_ms or 0.0)
        memory = probe.used_memory_bytes
        return CacheHealth(
            redis_connected=probe.connected,
            response_time_ms=_rounded(probe.response_time_ms, 3),
            memory_used_mb=None if memory is None else round(memory / _BYTES_PER_MB, 2),
            keys_count=probe.keys_count,
            hit_rate=shared_hit_rate() if probe.connected else None,
            evictions_per_minute=self._evictions(probe),
            errors_count=stats.snapshot().get("errors", 0),
            backend=cache_settings().backend_label,
            timestamp=iso(datetime.now(UTC)) or "",
            status=status,
        )

    @staticmethod
    def _evictions(probe: RedisProbe) -> float | None:
        if probe.evicted_keys is None or probe.server_time is None:
            return None
        return evictions_per_minute(probe.evicted_keys, probe.server_time)


def quick_status() -> HealthStatus:
    """The cache status for ``/api/health``: one PING bounded to a quarter second."""
    if client.breaker_resting():
        return HealthStatus.UNHEALTHY
    ms = client.probe()
    return status_for(ms is not None, ms)
