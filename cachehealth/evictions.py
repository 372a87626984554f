"""Evictions per minute, as a rate over a window shared by every process of the deployment.

Redis only reports ``evicted_keys``, a counter since its start. A rate needs two samples,
and a per-process memory would give each gunicorn worker its own (mostly empty) window,
so the previous sample lives in Redis, in one small hash under the app prefix. A new
sample replaces it only when the window is at least ``MIN_WINDOW_SECONDS`` long;
polls in between return the rate last computed. Timestamps come from Redis ``TIME``,
so several app servers share one clock.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from redis import Redis

from aipal.cache import client, keys

__all__ = ["MIN_WINDOW_SECONDS", "evictions_per_minute", "sample_key"]

MIN_WINDOW_SECONDS = 5.0
# The sample outlives any sensible polling interval, yet a forgotten one goes away.
SAMPLE_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class _Sample:
    taken_at: float
    evicted_keys: int
    rate: float | None


def sample_key() -> str:
    """Return the key of the hash holding the previous sample."""
    return keys.app_key("health:evictions")


def _parse(raw: dict[bytes, bytes]) -> _Sample | None:
    try:
        rate = raw.get(b"rate", b"")
        return _Sample(
            taken_at=float(raw[b"ts"]),
            evicted_keys=int(raw[b"count"]),
            rate=float(rate) if rate else None,
        )
    except (KeyError, ValueError):
        return None  # no sample yet, or one this code cannot read: start a new window


def _rate(previous: _Sample | None, evicted_keys: int, now: float) -> float | None:
    """Return evictions per minute since ``previous``; None without a usable sample.

    A counter that went down means Redis restarted (or CONFIG RESETSTAT): no rate then.
    """
    if previous is None or evicted_keys < previous.evicted_keys or now <= previous.taken_at:
        return None
    return round((evicted_keys - previous.evicted_keys) * 60 / (now - previous.taken_at), 3)


def evictions_per_minute(evicted_keys: int, now: float) -> float | None:
    """Return the eviction rate ending at ``now``, storing ``evicted_keys`` as the next sample.

    Returns None while it is unknown: no previous sample, a counter reset, or Redis failing.
    """
    key = sample_key()
    try:
        previous = _parse(client.guarded(lambda r: r.hgetall(key)))
    except client.CacheUnavailable:
        return None
    if previous is not None and 0 <= now - previous.taken_at < MIN_WINDOW_SECONDS:
        return previous.rate
    rate = _rate(previous, evicted_keys, now)
    sample = {"ts": repr(now), "count": evicted_keys, "rate": "" if rate is None else repr(rate)}

    def store(r: Redis) -> None:
        pipe = r.pipeline(transaction=True)
        pipe.hset(key, mapping=sample)
        pipe.expire(key, SAMPLE_TTL_SECONDS)
        pipe.execute()

    # A failed store is already logged and counted by the client; the next poll retries it.
    with contextlib.suppress(client.CacheUnavailable):
        client.guarded(store)
    return rate
