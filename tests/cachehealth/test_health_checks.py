"""cache-health beyond the figures: memory-policy warnings, a status that is API.md's, a hit
rate shared by every process, and the seed's Python API (keys_count and the invalidation
probe have their own modules: test_keycount, test_probe)."""

from __future__ import annotations

import pytest

from aipal.cache import client, stats
from cachehealth import health
from cachehealth.health import CacheHealth, CacheHealthChecker, HealthStatus, RedisProbe
from cachehealth.memory_policy import memory_policy_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_ping(monkeypatch):
    monkeypatch.setattr(client, "ping", lambda: 1.0)


@pytest.mark.parametrize(
    ("maxmemory", "policy", "warned"),
    [
        (None, None, False),  # INFO unreadable (fakeredis): nothing to say
        (0, "noeviction", True),  # no limit: grows, still works
        (100 << 20, "noeviction", True),  # writes fail once full
        (100 << 20, "volatile-lru", True),
        (100 << 20, "allkeys-lru", False),
        (100 << 20, "allkeys-lfu", False),
    ],
)
def test_memory_policy_warnings(maxmemory, policy, warned):
    assert bool(memory_policy_report(maxmemory, policy).warnings) is warned


def test_noeviction_with_maxmemory_is_a_warning_not_a_status(monkeypatch, anon_api):
    seen = RedisProbe(True, 1.0, used_memory_bytes=1 << 20, maxmemory=64 << 20, maxmemory_policy="noeviction")
    monkeypatch.setattr(health, "probe_redis", lambda: seen)
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert ["noeviction" in warning for warning in body["warnings"]] == [True]


def test_hit_rate_counts_the_totals_of_other_processes(fresh_totals, api, user):
    """Another worker's (or server's) flushed counts are in the figure, not only this process's."""
    client.guarded(lambda r: r.hset(stats.shared_totals_key(), mapping={"hits": 9, "misses": 0}))
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "MISS"
    assert CacheHealthChecker().check().hit_rate == 0.9


def test_seed_api(fast_ping, monkeypatch):
    result = health.check_health()
    assert result.status is HealthStatus.HEALTHY
    assert health.is_healthy() is True
    line = health.get_status_string()
    assert line.startswith("✓ Redis Connected | Response Time: 1.0ms | Memory: ")
    assert line.endswith("| Invalidation: ok | Status: healthy")
    monkeypatch.setattr(client, "ping", lambda: 25.0)
    assert health.is_healthy() is False
    assert health.get_status_string().startswith("! Redis Connected")


def test_seed_api_as_methods_of_the_checker(fast_ping, monkeypatch):
    checker = CacheHealthChecker()
    result = checker.check_health()
    assert isinstance(result, CacheHealth) and result.status is HealthStatus.HEALTHY
    assert checker.is_healthy() is True
    assert checker.get_status_string().endswith("| Status: healthy")
    monkeypatch.setattr(client, "ping", lambda: 10.0)  # SLOW_PING_MS: no longer under it
    assert checker.is_healthy() is False
    assert checker.get_status_string().endswith("| Status: degraded")


def test_is_healthy_is_the_seeds_connected_and_fast(fast_ping, monkeypatch):
    """A failed probe or a risky memory policy is a warning: is_healthy() asks only the PING."""
    monkeypatch.setattr(client, "bump_generations", lambda per_user, **kwargs: None)
    seen = RedisProbe(True, 1.0, used_memory_bytes=1 << 20, maxmemory=64 << 20, maxmemory_policy="noeviction")
    monkeypatch.setattr(health, "probe_redis", lambda: seen)
    result = health.check_health()
    assert (result.status, result.invalidation and result.invalidation.value) == (HealthStatus.HEALTHY, "failed")
    assert len(result.warnings) == 2
    assert health.is_healthy() is True


def test_seed_api_when_redis_is_down(dead_redis):
    assert health.is_healthy() is False
    assert CacheHealthChecker().is_healthy() is False
    assert health.get_status_string().startswith("✗ Redis Disconnected | Errors: ")
