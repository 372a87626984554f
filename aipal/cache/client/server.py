"""Server-level calls for health checks and operators' commands (never on the hit path).

NOTE: the Redis may be shared with other deployments, so SCAN takes only patterns
anchored on this app's prefix and ``:`` (``keys.app_key_pattern``, ``keys.user_key_pattern``):
``aipal:*`` never reaches ``aipal-other:*`` keys, ``aipal*`` would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from redis import Redis
from redis.exceptions import RedisError

from aipal.cache.client.guard import guarded, redis_client
from aipal.cache.conf import cache_settings


def ping() -> float:
    """Return the PING round trip in milliseconds."""

    def op(r: Redis) -> float:
        started = time.perf_counter()
        r.ping()
        return (time.perf_counter() - started) * 1000

    return guarded(op)


def probe(timeout_s: float = 0.25) -> float | None:
    """PING on a fresh connection with a short timeout; return ms, or None when Redis fails.

    For liveness probes: it never waits on the pool, the breaker or the socket timeout.
    """
    pool = redis_client().connection_pool
    connection = pool.connection_class(
        **{**pool.connection_kwargs, "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    )
    started = time.perf_counter()
    try:
        connection.connect()
        connection.send_command("PING")
        connection.read_response()
    except (RedisError, OSError):
        return None
    finally:
        connection.disconnect()
    return (time.perf_counter() - started) * 1000


def _anchored(pattern: str) -> str:
    """Return ``pattern`` when it starts with this app's prefix and ``:``, else raise ValueError."""
    anchor = f"{cache_settings().key_prefix}:"
    if not pattern.startswith(anchor):
        raise ValueError(f"a SCAN pattern must start with {anchor!r} (this app's keys only), got {pattern!r}")
    return pattern


def scan_keys(pattern: str, count: int = 500) -> Iterator[bytes]:
    """Return the keys matching ``pattern`` (anchored on the prefix), read with SCAN, never
    KEYS; off the request path only."""
    match = _anchored(pattern)
    return iter(guarded(lambda r: list(r.scan_iter(match=match, count=count))))


def scan_pages(r: Redis, pattern: str, count: int) -> Iterator[tuple[list[bytes], bool]]:
    """Yield each SCAN call's keys matching ``pattern`` (anchored on the prefix), empty pages
    included, with whether it was the last: for scans bounded by time or size, which
    ``scan_iter`` cannot stop between empty pages."""
    match = _anchored(pattern)
    cursor = 0
    while True:
        cursor, names = r.scan(cursor=cursor, match=match, count=count)
        yield names, int(cursor) == 0
        if int(cursor) == 0:
            return


def scan_delete(pattern: str, batch: int = 500) -> int:
    """Delete every key matching ``pattern`` (anchored on the prefix) in batches; return how
    many were deleted."""
    match = _anchored(pattern)

    def op(r: Redis) -> int:
        deleted = 0
        chunk: list[bytes] = []
        for key in r.scan_iter(match=match, count=batch):
            chunk.append(key)
            if len(chunk) >= batch:
                deleted += r.unlink(*chunk)
                chunk.clear()
        if chunk:
            deleted += r.unlink(*chunk)
        return deleted

    return guarded(op)
