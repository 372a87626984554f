"""Cache settings, read lazily from ``settings.AIPAL_CACHE`` and reset when tests change them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["CacheSettings", "cache_settings"]


@dataclass(frozen=True)
class CacheSettings:
    enabled: bool
    default_ttl: int
    key_prefix: str
    backend_label: str
    embedded: bool
    breaker_fail_max: int
    breaker_reset_seconds: float
    breaker_max_reset_seconds: float
    fill_lock_ms: int
    fill_wait_ms: int
    ttl_jitter: float
    socket_timeout: float
    outbox_poll_seconds: float
    compress_min_bytes: int
    stats_flush_seconds: float
    fast_path: bool


@lru_cache(maxsize=1)
def cache_settings() -> CacheSettings:
    """Return the cache settings in force (cached until a setting changes)."""
    raw = settings.AIPAL_CACHE
    return CacheSettings(
        enabled=bool(raw["ENABLED"]),
        default_ttl=int(raw["DEFAULT_TTL"]),
        key_prefix=str(raw["KEY_PREFIX"]),
        backend_label=str(raw["BACKEND_LABEL"]),
        embedded=bool(raw.get("EMBEDDED", False)),
        breaker_fail_max=int(raw["BREAKER_FAIL_MAX"]),
        breaker_reset_seconds=float(raw["BREAKER_RESET_SECONDS"]),
        breaker_max_reset_seconds=float(raw["BREAKER_MAX_RESET_SECONDS"]),
        fill_lock_ms=int(raw["FILL_LOCK_MS"]),
        fill_wait_ms=int(raw["FILL_WAIT_MS"]),
        ttl_jitter=float(raw["TTL_JITTER"]),
        socket_timeout=float(settings.REDIS_SOCKET_TIMEOUT),
        outbox_poll_seconds=float(raw.get("OUTBOX_POLL_SECONDS", 0.5)),
        compress_min_bytes=int(raw.get("COMPRESS_MIN_BYTES", 128)),
        stats_flush_seconds=float(raw.get("STATS_FLUSH_SECONDS", 1.0)),
        fast_path=bool(raw.get("FAST_PATH", True)),
    )


@receiver(setting_changed, dispatch_uid="aipal.cache.conf.reset")
def _reset(*, setting: str, **kwargs: object) -> None:
    if setting in {"AIPAL_CACHE", "REDIS_SOCKET_TIMEOUT", "CACHES"}:
        cache_settings.cache_clear()
