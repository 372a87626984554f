"""Which Redis servers a call reaches: one server (a single Redis or Sentinel's master) or
the masters of a Redis Cluster.

``ClusterConnectionFactory`` is the django-redis connection factory of a
``redis+cluster://`` URL (see ``aipal.settings.redis_target``): ``CACHES`` stays Django's,
and ``get_redis_connection`` returns redis-py's ``RedisCluster``. NOTE: django-redis has
no cluster client, hence this factory; its ``DefaultClient`` and pools serve the other
topologies unchanged.

Every key of one user carries the hash tag ``{u:<id>}`` (``keys.user_base``), so a
request's scripts and pipelines touch one slot, on one master. Server-wide calls
(SCAN, INFO, flushes, the key count) go to every master (``masters``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django_redis.pool import ConnectionFactory
from redis import Redis, RedisCluster
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, key_slot
from redis.exceptions import (
    AskError,
    ClusterDownError,
    MovedError,
    RedisClusterException,
    RedisError,
    ResponseError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from aipal.cache.keys import user_tag
from aipal.settings.redis_target import topology_nodes

__all__ = [
    "REDIRECTIONS",
    "ClusterConnectionFactory",
    "after_failure",
    "by_master",
    "is_cluster",
    "masters",
    "node_name",
    "redirected",
    "user_slot",
]

_clusters: dict[str, RedisCluster] = {}
_clusters_lock = threading.Lock()
_REFRESH_EVERY_S = 0.2


class ClusterConnectionFactory(ConnectionFactory):
    """Build one ``RedisCluster`` per URL and process, with the cache's timeouts and pool
    options applied to every node's pool (the run_id handshake included)."""

    def connect(self, url: str) -> RedisCluster:
        with _clusters_lock:
            found = _clusters.get(url)
            if found is None:
                found = _clusters[url] = self._cluster(url)
            return found

    def _cluster(self, url: str) -> RedisCluster:
        nodes = topology_nodes(url)
        params = self.make_connection_params(url)
        params.pop("url")
        params.pop("parser_class", None)
        kwargs: dict[str, Any] = {**params, **self.pool_cls_kwargs}
        kwargs.pop("retry", None)  # a single server's retry; the cluster takes its own below
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes.addresses],
            username=nodes.username,
            password=nodes.password,
            # One more try after a refresh of the slot map, never a backoff: during a
            # failover a request answers from the database (BYPASS) instead of waiting.
            retry=Retry(NoBackoff(), 1),
            require_full_coverage=False,
            **kwargs,
        )

    def disconnect(self, connection: Any) -> None:
        connection.disconnect_connection_pools()


def forget_clusters() -> None:
    """Close and forget every cluster client (the settings changed; forked workers keep theirs)."""
    with _clusters_lock:
        for cluster in _clusters.values():
            cluster.disconnect_connection_pools()
        _clusters.clear()


def is_cluster(r: Redis | RedisCluster) -> bool:
    return isinstance(r, RedisCluster)


@lru_cache(maxsize=65536)
def user_slot(tag: str) -> int:
    """The cluster slot of a hash tag (``{u:<id>}``): every key of that user lives there."""
    return key_slot(tag.encode())


def node_name(r: RedisCluster, slot: int) -> str:
    """``host:port`` of the master that serves ``slot`` in the client's current slot map."""
    return r.nodes_manager.get_node_from_slot(slot).name


def masters(r: Redis | RedisCluster) -> list[Redis]:
    """A client per master: the server itself, or each master of a cluster."""
    if not is_cluster(r):
        return [r]
    return [r.get_redis_connection(node) for node in r.get_primaries()]


def by_master(r: Redis | RedisCluster, user_ids: Iterable[int]) -> list[tuple[Redis, list[int]]]:
    """Group users by the master that serves their slot, with a client of that master: a
    write that bumps several users' generations sends one pipeline per master (a cluster's
    own pipeline refuses scripts)."""
    if not is_cluster(r):
        return [(r, list(user_ids))]
    grouped: dict[str, list[int]] = {}
    for user_id in user_ids:
        grouped.setdefault(node_name(r, user_slot(user_tag(user_id))), []).append(user_id)
    return [(r.get_redis_connection(r.get_node(node_name=name)), users) for name, users in grouped.items()]


# The error replies of a cluster node whose slot is served elsewhere, or by no one for now.
REDIRECTIONS = ("MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN")
_refreshed_at = 0.0


def redirected(exc: BaseException) -> bool:
    """Whether a cluster node answered that another serves the slot, or none does for now."""
    if isinstance(exc, AskError | MovedError | TryAgainError | ClusterDownError):
        return True  # redis-py's parsed replies (their text drops the word)
    return isinstance(exc, ResponseError) and str(exc).startswith(REDIRECTIONS)


def after_failure(r: Redis | RedisCluster | None, exc: BaseException) -> None:
    """Refresh a cluster's slot map after a call a master could not answer or redirected,
    at most every ``_REFRESH_EVERY_S``: calls made on a master's own client (pipelines,
    the fast path's connection) bypass RedisCluster, which would otherwise do it."""
    global _refreshed_at
    if r is None or not is_cluster(r):
        return
    lost = isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)
    if not lost and not redirected(exc):
        return
    now = time.monotonic()
    with _clusters_lock:
        if now - _refreshed_at < _REFRESH_EVERY_S:
            return
        _refreshed_at = now
    with contextlib.suppress(RedisError, RedisClusterException):
        r.nodes_manager.initialize()
