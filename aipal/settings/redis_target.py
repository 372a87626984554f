"""Decide which Redis the process talks to, before Django's cache is configured.

``REDIS_URL`` wins when set. Unset, a Redis answering on 127.0.0.1:6379 is used;
when nothing answers there, an in-process fakeredis server stands in so that
``make run`` works on a bare machine. That embedded server lives in one process
only: management commands run elsewhere and say so instead of pretending.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url

LOCAL_REDIS = ("127.0.0.1", 6379)
EMBEDDED_URL = "redis://embedded-fakeredis:6379/0"


@dataclass(frozen=True)
class RedisTarget:
    url: str
    label: str
    embedded: bool = False
    pool_kwargs: dict[str, Any] = field(default_factory=dict)


def embedded_target() -> RedisTarget:
    """Return the in-process fakeredis target (one server per process)."""
    from fakeredis import FakeRedisConnection

    return RedisTarget(
        url=EMBEDDED_URL,
        label="fakeredis (embedded, this process only)",
        embedded=True,
        pool_kwargs={"connection_class": FakeRedisConnection},
    )


def _answers(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def resolve_redis_target(url: str) -> RedisTarget:
    """Return the configured Redis, the local one, or the embedded fallback."""
    if url:
        return RedisTarget(url=usable_redis_url(url), label="redis")
    if _answers(*LOCAL_REDIS):
        return RedisTarget(url="redis://127.0.0.1:6379/0", label="redis")
    return embedded_target()


def usable_redis_url(url: str) -> str:
    """Return ``url`` when redis-py can connect with it; else stop start-up naming REDIS_URL.

    Django builds its cache client on first use: an unusable URL would let the server
    start and then answer every request, health checks included, with a 500.
    """
    parts = urlsplit(url)
    try:
        parsed = parse_url(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL {_masked(parts)} cannot be used: {exc}") from exc
    if parts.scheme in {"redis", "rediss"}:
        database = parts.path.strip("/")
        if not parsed.get("host"):
            raise ImproperlyConfigured(f"REDIS_URL {_masked(parts)} names no host.")
        if database and not database.isdigit():
            raise ImproperlyConfigured(
                f"REDIS_URL {_masked(parts)}: the database after the host must be a number, got {database!r}."
            )
    return url


def _masked(parts: SplitResult) -> str:
    """The URL as a message may show it: the password replaced."""
    if parts.password is None:
        return parts.geturl()
    user = f"{parts.username}:***" if parts.username else ":***"
    netloc = f"{user}@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()
