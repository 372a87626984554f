"""Server-level calls for health checks and operators' commands (never on the hit path).

NOTE: the Redis may be shared with other deployments, so SCAN takes only patterns
anchored on this app's prefix and ``:`` (``keys.app_key_pattern``, ``keys.user_key_pattern``):
``aipal:*`` never reaches ``aipal-other:*`` keys, ``aipal*`` would.

In a Redis Cluster each call goes to every master (``topology.masters``): SCAN, deletes
and PINGs alike; keys are deleted one command each there, as one UNLINK may not name
keys of several slots.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from redis import Redis
from redis.exceptions import RedisClusterException, RedisError

from aipal.cache.client import topology
from aipal.cache.client.guard import CacheUnavailable, guarded, redis_client
from aipal.cache.conf import cache_settings


def ping() -> float:
    """Return the PING round trip in milliseconds (the slowest master's, in a cluster)."""

    def op(r: Redis) -> float:
        slowest = 0.0
        for server in topology.masters(r):
            started = time.perf_counter()
            server.ping()
            slowest = max(slowest, (time.perf_counter() - started) * 1000)
        return slowest

    return guarded(op)


def probe(timeout_s: float = 0.25) -> float | None:
    """PING on a fresh connection with a short timeout; return ms (the slowest master's),
    or None when Redis (any master of a cluster) fails.

    For liveness probes: it never waits on the pool, the breaker or the socket timeout.
    """
    try:
        servers = topology.masters(redis_client())
    except (CacheUnavailable, RedisError, OSError, RedisClusterException):
        return None
    slowest = 0.0
    for server in servers:
        pool = server.connection_pool
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
        slowest = max(slowest, (time.perf_counter() - started) * 1000)
    return slowest


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
    return iter(
        guarded(lambda r: [key for server in topology.masters(r) for key in server.scan_iter(match=match, count=count)])
    )


def scan_pages(r: Redis, pattern: str, count: int) -> Iterator[tuple[list[bytes], bool]]:
    """Yield each SCAN call's keys matching ``pattern`` (anchored on the prefix), master by
    master, empty pages included, with whether it was the last: for scans bounded by time or
    size, which ``scan_iter`` cannot stop between empty pages."""
    match = _anchored(pattern)
    servers = topology.masters(r)
    for index, server in enumerate(servers):
        cursor = 0
        while True:
            cursor, names = server.scan(cursor=cursor, match=match, count=count)
            done = int(cursor) == 0
            yield names, done and index == len(servers) - 1
            if done:
                break


def scan_delete(pattern: str, batch: int = 500) -> int:
    """Delete every key matching ``pattern`` (anchored on the prefix) in batches; return how
    many were deleted."""
    match = _anchored(pattern)

    def op(r: Redis) -> int:
        deleted = 0
        for server in topology.masters(r):
            chunk: list[bytes] = []
            for key in server.scan_iter(match=match, count=batch):
                chunk.append(key)
                if len(chunk) >= batch:
                    deleted += _unlink(server, chunk, one_by_one=topology.is_cluster(r))
                    chunk.clear()
            if chunk:
                deleted += _unlink(server, chunk, one_by_one=topology.is_cluster(r))
        return deleted

    return guarded(op)


def _unlink(server: Redis, names: list[bytes], *, one_by_one: bool) -> int:
    """UNLINK ``names``: in one command, or (a cluster's master: keys of many slots) in one
    pipeline of single-key commands."""
    if not one_by_one:
        return server.unlink(*names)
    pipe = server.pipeline(transaction=False)
    for name in names:
        pipe.unlink(name)
    return sum(pipe.execute())
