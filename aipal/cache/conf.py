"""Cache settings, read lazily from ``settings.AIPAL_CACHE`` and reset when tests change them.

NOTE: ``CACHE_KEY_PREFIX`` is a plain word (``KEY_PREFIX_PATTERN``): every SCAN pattern
is ``<prefix>:...``, and a prefix holding ``:`` or a glob character could make one
deployment's pattern match another's keys (``aipal:*`` would match ``aipal:staging``'s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

__all__ = ["KEY_PREFIX_PATTERN", "CacheSettings", "cache_settings", "valid_key_prefix"]

KEY_PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")


def valid_key_prefix(value: object, *, name: str = "CACHE_KEY_PREFIX") -> str:
    """Return ``value`` if it is a valid key prefix, else raise ImproperlyConfigured naming ``name``."""
    if not isinstance(value, str) or not KEY_PREFIX_PATTERN.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must match {KEY_PREFIX_PATTERN.pattern} (letters, digits, '_' and '-'), got {value!r}: "
            "the app's keys are '<prefix>:...', and ':' or a glob character in the prefix would let "
            "another deployment's SCAN pattern reach them."
        )
    return value


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
        key_prefix=valid_key_prefix(raw["KEY_PREFIX"], name="AIPAL_CACHE['KEY_PREFIX']"),
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
