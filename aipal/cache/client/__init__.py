"""The only package that talks to Redis.

``guard`` holds the error policy (circuit breaker, failure counting, the server
lifetime check), ``scripts`` the reads, fills and generation bumps of the request
path, ``throttle`` the shared throttle counts, ``server`` the calls of health checks and
commands, ``topology`` which servers a call reaches (one, or a cluster's masters);
``lua`` loads the scripts of ``aipal/cache/lua``.
"""

from aipal.cache.client.guard import (
    CacheUnavailable,
    breaker,
    breaker_resting,
    failure_count,
    guarded,
    redis_client,
    reset_breaker,
    server_lifetimes,
    server_run_id,
)
from aipal.cache.client.scripts import (
    GENERATION_TTL_SECONDS,
    ReadResult,
    ServeResult,
    bump_generations,
    fill,
    lua_script,
    new_token,
    read,
    release_lock,
    serve,
)
from aipal.cache.client.server import ping, probe, scan_delete, scan_keys, scan_pages
from aipal.cache.client.topology import is_cluster, masters

__all__ = [
    "GENERATION_TTL_SECONDS",
    "CacheUnavailable",
    "ReadResult",
    "ServeResult",
    "breaker",
    "breaker_resting",
    "bump_generations",
    "failure_count",
    "fill",
    "guarded",
    "is_cluster",
    "lua_script",
    "masters",
    "new_token",
    "ping",
    "probe",
    "read",
    "redis_client",
    "release_lock",
    "reset_breaker",
    "scan_delete",
    "scan_keys",
    "scan_pages",
    "serve",
    "server_lifetimes",
    "server_run_id",
]
