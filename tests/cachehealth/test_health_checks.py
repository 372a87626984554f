"""cache-health beyond the figures: this app's keys only, the invalidation probe, memory-policy
warnings, a hit rate shared by every process, and the seed's Python API."""

from __future__ import annotations

import uuid

import pytest

from aipal.cache import client, keys, stats
from aipal.cache.conf import cache_settings
from cachehealth import health, keycount, probe
from cachehealth.health import CacheHealthChecker, HealthStatus, RedisProbe
from cachehealth.memory_policy import memory_policy_report
from cachehealth.probe import InvalidationCheck, probe_invalidation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_count():
    keycount.forget()
    yield
    keycount.forget()


@pytest.fixture
def fast_ping(monkeypatch):
    monkeypatch.setattr(client, "ping", lambda: 1.0)


def test_keys_count_counts_this_apps_keys_only(api, user, settings):
    tag = uuid.uuid4().hex  # the Redis may be shared: touch no name anyone else could use
    foreign = (f"otherapp-{tag}:x", f"{settings.CACHE_KEY_PREFIX}-other:{tag}", f"{settings.CACHE_KEY_PREFIX}{tag}")
    client.guarded(lambda r: r.mset(dict.fromkeys(foreign, "1")))
    try:
        api.get(f"/api/users/{user.id}/goals")
        CacheHealthChecker().check()  # creates the keys a check keeps (probe, shared totals)
        keycount.forget()
        counted = CacheHealthChecker().check().keys_count
        assert counted == len(list(client.scan_keys(f"{settings.CACHE_KEY_PREFIX}:*"))) > 0
    finally:
        client.guarded(lambda r: r.delete(*foreign))


def test_keys_count_is_remembered_for_a_few_seconds(monkeypatch):
    scans = []
    monkeypatch.setattr(keycount, "_scan_count", lambda pattern: scans.append(pattern) or keycount.KeysCount(5, True))
    assert [keycount.app_keys_count().count for _ in range(3)] == [5, 5, 5]
    assert len(scans) == 1
    monkeypatch.setattr(keycount.time, "monotonic", lambda: 1e12)  # COUNT_TTL_SECONDS later
    keycount.app_keys_count()
    assert len(scans) == 2


def test_keys_count_stops_at_its_bound_and_says_so(monkeypatch, fast_ping):
    monkeypatch.setattr(keycount, "MAX_SCAN_CALLS", 1)
    monkeypatch.setattr(keycount, "SCAN_COUNT", 2)
    client.guarded(lambda r: r.mset({f"{cache_settings().key_prefix}:k{i}": 1 for i in range(20)}))
    result = CacheHealthChecker().check()
    assert result.keys_count is not None and result.keys_count < 20
    assert any("lower bound" in warning for warning in result.warnings)


def test_invalidation_probe_passes_through_the_write_path(redis_round_trips):
    assert probe_invalidation() is InvalidationCheck.OK
    assert probe_invalidation() is InvalidationCheck.OK  # the next poll as well
    assert len(redis_round_trips) <= 4 * 2 + 1  # four per probe (one more to learn the run_id)


def test_a_probe_that_survives_the_bump_fails_and_degrades(monkeypatch, anon_api, fast_ping):
    monkeypatch.setattr(client, "bump_generations", lambda per_user, **kwargs: None)
    assert probe_invalidation() is InvalidationCheck.FAILED
    body = anon_api.get("/api/system/cache-health").json()
    assert (body["invalidation"], body["status"]) == ("failed", "degraded")
    assert any("invalidation probe failed" in warning for warning in body["warnings"])


def test_a_probe_that_cannot_store_fails(monkeypatch):
    monkeypatch.setattr(client, "fill", lambda *args, **kwargs: False)
    assert probe_invalidation() is InvalidationCheck.FAILED


def test_a_redis_failure_during_the_probe_is_unknown_not_failed(monkeypatch, fast_ping):
    def refuse(*args, **kwargs):
        raise client.CacheUnavailable("OOM command not allowed")

    monkeypatch.setattr(client, "bump_generations", refuse)
    result = CacheHealthChecker().check()
    assert (result.invalidation, result.status) == (InvalidationCheck.UNKNOWN, HealthStatus.HEALTHY)
    assert result.warnings


def test_the_probe_never_touches_a_real_users_keys(api, user):
    api.get(f"/api/users/{user.id}/goals")
    before = sorted(client.scan_keys(keys.user_key_pattern(user.id)))
    probe_invalidation()
    after = sorted(client.scan_keys(keys.user_key_pattern(user.id)))
    assert before == after
    assert probe.PROBE_USER_ID == 2**63 - 1


@pytest.mark.parametrize(
    ("maxmemory", "policy", "warned", "degraded"),
    [
        (None, None, False, False),  # INFO unreadable (fakeredis): nothing to say
        (0, "noeviction", True, False),  # no limit: grows, still works
        (100 << 20, "noeviction", True, True),  # writes fail once full
        (100 << 20, "volatile-lru", True, False),
        (100 << 20, "allkeys-lru", False, False),
        (100 << 20, "allkeys-lfu", False, False),
    ],
)
def test_memory_policy_warnings(maxmemory, policy, warned, degraded):
    report = memory_policy_report(maxmemory, policy)
    assert (bool(report.warnings), report.degraded) == (warned, degraded)


def test_noeviction_with_maxmemory_is_degraded_in_the_response(monkeypatch, anon_api):
    seen = RedisProbe(True, 1.0, used_memory_bytes=1 << 20, maxmemory=64 << 20, maxmemory_policy="noeviction")
    monkeypatch.setattr(health, "probe_redis", lambda: seen)
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
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


def test_seed_api_when_redis_is_down(dead_redis):
    assert health.is_healthy() is False
    assert health.get_status_string().startswith("✗ Redis Disconnected | Errors: ")
