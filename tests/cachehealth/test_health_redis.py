"""cache-health against real Redis servers: the memory settings it reads from INFO, and this
app's keys counted on a Redis shared with others (integration)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from aipal.cache import client, epoch
from cachehealth import keycount
from cachehealth.health import CacheHealthChecker, HealthStatus
from tests.conftest import free_port, point_cache_at
from tests.integration.conftest import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def private_redis(settings) -> Iterator[Callable[..., RedisServer]]:
    """Start a redis-server of the test's own with the given options; point the app at it."""
    servers: list[RedisServer] = []

    def start(*options: str) -> RedisServer:
        server = RedisServer(free_port(), *options)
        server.start()
        servers.append(server)
        point_cache_at(settings, server.url)
        keycount.forget()
        return server

    yield start
    for server in servers:
        server.remove()
    client.reset_breaker()
    epoch.forget()
    keycount.forget()


@pytest.mark.parametrize(
    ("options", "status", "warning"),
    [
        (("--maxmemory", "64mb", "--maxmemory-policy", "noeviction"), HealthStatus.HEALTHY, "noeviction"),
        (("--maxmemory", "0"), HealthStatus.HEALTHY, "no maxmemory"),
        (("--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"), HealthStatus.HEALTHY, "volatile-lru"),
        (("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"), HealthStatus.HEALTHY, None),
    ],
)
def test_memory_settings_of_a_real_redis(private_redis, monkeypatch, options, status, warning):
    monkeypatch.setattr(client, "ping", lambda: 1.0)  # the status is the PING's alone: a policy only warns
    private_redis(*options)
    result = CacheHealthChecker().check()
    assert result.status is status
    assert result.invalidation is not None and result.invalidation.value == "ok"
    assert result.memory_used_mb is not None and result.memory_used_mb > 0
    if warning is None:
        assert result.warnings == ()
    else:
        assert [warning in text for text in result.warnings] == [True]


def test_keys_count_ignores_other_apps_keys_on_a_shared_redis(private_redis, settings):
    private_redis("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru")
    tag = uuid.uuid4().hex
    foreign = {f"other-{tag}:{i}": 1 for i in range(50)} | {f"{settings.CACHE_KEY_PREFIX}-other:{tag}": 1}
    client.guarded(lambda r: r.mset(foreign))
    CacheHealthChecker().check()  # creates the keys a check keeps (probe, shared totals, the count)
    keycount.forget()
    client.guarded(lambda r: r.delete(keycount.shared_count_key()))
    counted = CacheHealthChecker().check().keys_count
    total = client.guarded(lambda r: r.dbsize())
    assert counted == total - len(foreign) > 0
