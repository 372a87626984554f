"""One probe of Redis: PING, then INFO memory, INFO stats and TIME in one round trip.

Only O(1) commands run here: the metrics collector calls this on every scrape and
health on every poll. Every call goes through ``aipal.cache.client``, so an outage is
``connected=False``, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis import Redis

from aipal.cache import client

__all__ = ["SLOW_PING_MS", "RedisProbe", "ping_ms", "probe_redis"]

# The seed's threshold: a PING at or above this is "degraded".
SLOW_PING_MS = 10.0


@dataclass(frozen=True)
class RedisProbe:
    """What one probe of Redis saw; None where a figure could not be read."""

    connected: bool
    response_time_ms: float | None = None
    used_memory_bytes: int | None = None
    evicted_keys: int | None = None
    server_time: float | None = None
    maxmemory: int | None = None
    maxmemory_policy: str | None = None


def _read_figures(r: Redis) -> list[Any]:
    """Read INFO memory, INFO stats and TIME in one round trip per master, the figures of a
    cluster's masters added up (``_combined``).

    NOTE: a command Redis refuses (the embedded fakeredis has no INFO) leaves an
    exception in its slot instead of raising: it is an answer, not an outage, and must
    neither trip the circuit breaker nor count as a Redis error.
    """
    answers = []
    for server in client.masters(r):
        pipe = server.pipeline(transaction=False)
        pipe.info("memory")
        pipe.info("stats")
        pipe.time()
        answers.append(pipe.execute(raise_on_error=False))
    return answers[0] if len(answers) == 1 else _combined(answers)


def _combined(answers: list[list[Any]]) -> list[Any]:
    """The masters' figures as one server's: memory and evictions added up, the smallest
    memory limit (0, none, if any master has none), the first master's policy and clock."""
    memories = [memory for memory, _, _ in answers if isinstance(memory, dict)]
    stats = [counters for _, counters, _ in answers if isinstance(counters, dict)]
    memory: dict[str, Any] = dict(memories[0]) if memories else {}
    if memories:
        memory["used_memory"] = sum(_info_int(m, "used_memory") or 0 for m in memories)
        limits = [_info_int(m, "maxmemory") or 0 for m in memories]
        memory["maxmemory"] = 0 if 0 in limits else min(limits)
    counters = {"evicted_keys": sum(_info_int(c, "evicted_keys") or 0 for c in stats)} if stats else {}
    return [memory, counters, answers[0][2]]


def _info_int(section: object, name: str) -> int | None:
    value = section.get(name) if isinstance(section, dict) else None
    return value if isinstance(value, int) else None


def _info_str(section: object, name: str) -> str | None:
    value = section.get(name) if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def ping_ms() -> float:
    """Return the PING round trip; raise CacheUnavailable when Redis does not answer."""
    first = client.ping()
    if first < SLOW_PING_MS:
        return first
    # A fresh pooled connection pays its TCP handshake in the first PING: ask once more.
    return min(first, client.ping())


def probe_redis() -> RedisProbe:
    """PING Redis, then read its O(1) figures; never raises."""
    try:
        response_time_ms = ping_ms()
    except client.CacheUnavailable:
        return RedisProbe(connected=False)
    try:
        memory, counters, server_time = client.guarded(_read_figures)
    except client.CacheUnavailable:
        return RedisProbe(connected=True, response_time_ms=response_time_ms)
    return RedisProbe(
        connected=True,
        response_time_ms=response_time_ms,
        used_memory_bytes=_info_int(memory, "used_memory"),
        evicted_keys=_info_int(counters, "evicted_keys"),
        server_time=server_time[0] + server_time[1] / 1e6 if isinstance(server_time, tuple) else None,
        maxmemory=_info_int(memory, "maxmemory"),
        maxmemory_policy=_info_str(memory, "maxmemory_policy"),
    )
