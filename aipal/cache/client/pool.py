"""How many connections this process's Redis pool holds, for ``/metrics``.

The figure is sampled, never counted on acquire and release (that would cost every
Redis call): the maintenance thread samples it each ``STATS_FLUSH_SECONDS`` and the
process answering a scrape samples it just before. ``Gauge.set_function`` would read it
at scrape time, but only in the scraping process: under gunicorn's multiprocess mode each
worker writes its own sample and ``/metrics`` adds up those of the live workers
(``livesum``).
"""

from __future__ import annotations

import logging
from functools import cache

from prometheus_client import Gauge

from aipal.cache.client import guard, topology

__all__ = ["POOL_CONNECTIONS", "sample"]

log = logging.getLogger(__name__)

POOL_CONNECTIONS = Gauge(
    "redis_pool_connections",
    "Connections of the Redis connection pools, by state (in_use: lent to a call; idle: open, waiting).",
    ["state"],
    multiprocess_mode="livesum",
)
_IN_USE = POOL_CONNECTIONS.labels("in_use")
_IDLE = POOL_CONNECTIONS.labels("idle")


@cache
def _unsupported(pool_class: str) -> None:
    """Say once per pool class that its connections cannot be counted."""
    log.warning("Redis pool %s does not say how many connections it holds: not in /metrics", pool_class)


def sample() -> None:
    """Record how many of the pool's connections are lent out and how many wait, idle."""
    try:
        servers = topology.masters(guard.redis_client())  # a cluster's: one pool per master
    except guard.CacheUnavailable:
        return  # no client yet (a cluster no node answers for): nothing to count
    in_use = idle = 0
    for server in servers:
        pool = server.connection_pool
        try:
            # redis-py's own accessors, on ConnectionPool and BlockingConnectionPool alike.
            in_use += len(pool._get_in_use_connections())
            idle += len(pool._get_free_connections())
        except AttributeError:
            _unsupported(type(pool).__name__)
            return
    _IN_USE.set(in_use)
    _IDLE.set(idle)
