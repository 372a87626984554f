"""Decide which Redis the process talks to, before Django's cache is configured.

``REDIS_URL`` wins when set. Unset, a Redis answering on 127.0.0.1:6379 is used;
when nothing answers there, an in-process fakeredis server stands in so that
``make run`` works on a bare machine. That embedded server lives in one process
only: management commands run elsewhere and say so instead of pretending.

Besides redis-py's own schemes, two name a topology (API.md "Running"):
``redis+cluster://[user:password@]host:port[,host:port...]`` (Redis Cluster; the nodes
are startup nodes) and ``redis+sentinel://[user:password@]host:port[,host:port...]/<service>[/<db>]``
(the master Sentinel names; the credentials are the master's, the sentinels take none).
``cache_backend`` turns a target into Django's ``CACHES`` entry for it.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url

from aipal.cache.epoch import on_connect_replicated
from aipal.settings.masking import masked

LOCAL_REDIS = ("127.0.0.1", 6379)
EMBEDDED_URL = "redis://embedded-fakeredis:6379/0"


SINGLE, CLUSTER, SENTINEL = "single", "cluster", "sentinel"
_TOPOLOGIES = {"redis+cluster": CLUSTER, "redis+sentinel": SENTINEL}


@dataclass(frozen=True)
class RedisTarget:
    url: str
    label: str
    embedded: bool = False
    pool_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def topology(self) -> str:
        """``single``, ``cluster`` or ``sentinel``, from the URL's scheme."""
        return _TOPOLOGIES.get(urlsplit(self.url).scheme, SINGLE)


@dataclass(frozen=True)
class Nodes:
    """What a ``redis+cluster://`` or ``redis+sentinel://`` URL names."""

    addresses: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    service: str = ""
    db: int = 0


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
    if parts.scheme in _TOPOLOGIES:
        topology_nodes(url)
        return url
    try:
        parsed = parse_url(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL {masked(url)} cannot be used: {exc}") from exc
    if parts.scheme in {"redis", "rediss"}:
        database = parts.path.strip("/")
        if not parsed.get("host"):
            raise ImproperlyConfigured(f"REDIS_URL {masked(url)} names no host.")
        if database and not database.isdigit():
            raise ImproperlyConfigured(
                f"REDIS_URL {masked(url)}: the database after the host must be a number, got {database!r}."
            )
    return url


def topology_nodes(url: str) -> Nodes:
    """Parse a ``redis+cluster://`` or ``redis+sentinel://`` URL; refuse one that names no
    usable node, service or database, naming REDIS_URL."""
    parts = urlsplit(url)
    topology = _TOPOLOGIES[parts.scheme]

    def refuse(why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"REDIS_URL {masked(url)} cannot be used: {why}")

    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":") if credentials else ("", "", "")
    addresses = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise refuse(f"every node must be host:port, got {item.strip()!r}")
        addresses.append((host, int(port)))
    if parts.query or parts.fragment:
        raise refuse("it takes no query string")
    segments = [segment for segment in parts.path.split("/") if segment]
    service, db = "", 0
    if topology == CLUSTER:
        if segments not in ([], ["0"]):
            raise refuse("a cluster has database 0 only, and the URL ends after the nodes")
    else:
        if not 1 <= len(segments) <= 2:
            raise refuse("a Sentinel URL ends with /<service_name>[/<db>]")
        service = segments[0]
        if len(segments) == 2:
            if not segments[1].isdigit():
                raise refuse(f"the database after the service must be a number, got {segments[1]!r}")
            db = int(segments[1])
    return Nodes(tuple(addresses), unquote(username) or None, unquote(password) or None, service, db)


def cache_backend(target: RedisTarget, options: dict[str, Any]) -> dict[str, Any]:
    """Return the ``CACHES`` entry (``LOCATION`` and ``OPTIONS``) that reaches ``target``.

    ``options`` are the single-server options; a cluster is reached through
    ``aipal.cache.client.topology.ClusterConnectionFactory`` (redis-py's RedisCluster), a
    Sentinel through django-redis' own factory. ``LOCATION`` is a one-item list, as
    django-redis splits a string on commas into several servers.
    """
    if target.topology == SINGLE:
        return {"LOCATION": target.url, "OPTIONS": options}
    nodes = topology_nodes(target.url)
    # With replicas a server's lifetime names its replication ID too (aipal.cache.epoch).
    pool = {**options.get("CONNECTION_POOL_KWARGS", {}), "redis_connect_func": on_connect_replicated}
    options = {**options, "CONNECTION_POOL_KWARGS": pool}
    credentials = ""
    if nodes.username or nodes.password:
        credentials = f"{quote(nodes.username or '', safe='')}:{quote(nodes.password or '', safe='')}@"
    if target.topology == CLUSTER:
        factory = "aipal.cache.client.topology.ClusterConnectionFactory"
        return {"LOCATION": [target.url], "OPTIONS": {**options, "CONNECTION_FACTORY": factory}}
    return {
        "LOCATION": [f"redis://{credentials}{nodes.service}/{nodes.db}"],
        "OPTIONS": {
            **options,
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": list(nodes.addresses),
            # The sentinels are asked with short timeouts of their own, never the master's password.
            "SENTINEL_KWARGS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        },
    }
