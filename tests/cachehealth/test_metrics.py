"""/metrics: the six cache metrics of API.md, read at scrape time, even during an outage; the
cache's own series (invalidations, Redis latency, pool, breaker); sums over workers."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, generate_latest, multiprocess, values

from aipal.cache import client, stats
from aipal.cache.client import pool
from cachehealth import metrics
from cachehealth.health import RedisProbe

pytestmark = pytest.mark.django_db

NAMES = (
    "cache_hits_total",
    "cache_misses_total",
    "cache_evictions_total",
    "cache_response_time_ms",
    "cache_memory_used_bytes",
    "redis_connected",
)


def test_metrics_expose_the_six_cache_metrics(anon_api, api, user):
    api.get(f"/api/users/{user.id}/goals")
    api.get(f"/api/users/{user.id}/goals")
    response = anon_api.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    for name in NAMES:
        assert f"# TYPE {name} " in text, name
    assert "\nredis_connected 1.0\n" in text
    assert "\ncache_response_time_ms " in text
    assert 'cache_hits_total{family="GOAL_LIST"}' in text


def test_scrape_during_an_outage_is_quick_and_says_disconnected(anon_api, dead_redis):
    started = time.monotonic()
    for _ in range(5):
        text = anon_api.get("/metrics").content.decode()
    assert time.monotonic() - started < 5
    assert "\nredis_connected 0.0\n" in text
    assert "\ncache_response_time_ms " not in text  # unknown, so absent rather than a fake zero


def test_collector_registers_once_and_asks_redis_only_when_scraped(monkeypatch):
    calls = []
    monkeypatch.setattr(metrics, "probe_redis", lambda: calls.append(1) or RedisProbe(connected=False))
    registry = CollectorRegistry()
    first = metrics.register_collector(registry)
    assert metrics.register_collector(registry) is first
    assert calls == []
    text = generate_latest(registry).decode()
    assert calls == [1]
    for name in NAMES[2:]:
        assert f"# TYPE {name} " in text
    assert "\nredis_connected 0.0\n" in text


@pytest.mark.parametrize("path", ["/metrics", "/metrics/"])
def test_metrics_answer_with_and_without_trailing_slash(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"cache_hits_total" in response.content or b"redis_connected" in response.content


def _scrape(anon_api) -> str:  # type: ignore[no-untyped-def]
    response = anon_api.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_invalidations_are_counted_by_event_and_outcome_with_their_delay(anon_api, api, user):
    applied = {"event": "GOAL_CREATED", "outcome": "applied"}
    before = _sample("cache_invalidations_total", applied)
    delays = _sample("cache_invalidation_delay_ms_count", {"outcome": "applied"})
    assert api.post(f"/api/users/{user.id}/goals", {"description": "g"}, format="json").status_code == 201
    assert _sample("cache_invalidations_total", applied) == before + 1
    assert _sample("cache_invalidation_delay_ms_count", {"outcome": "applied"}) == delays + 1
    text = _scrape(anon_api)
    assert 'cache_invalidations_total{event="GOAL_CREATED",outcome="applied"}' in text
    assert 'cache_invalidation_delay_ms_bucket{le="+Inf",outcome="applied"}' in text


def test_replayed_invalidations_have_no_event_to_name():
    stats.record_invalidation("replayed", 1500.0)
    assert _sample("cache_invalidations_total", {"event": "unknown", "outcome": "replayed"}) >= 1
    assert _sample("cache_invalidation_delay_ms_sum", {"outcome": "replayed"}) >= 1500.0


def test_hits_and_misses_are_shared_by_family(fresh_totals):
    stats.record_miss("GOAL_LIST")
    stats.record_hit("GOAL_LIST")
    stats.record_hit("ARI_LATEST")
    totals = stats.shared_totals()
    assert totals["hits:GOAL_LIST"] == 1
    assert totals["misses:GOAL_LIST"] == 1
    assert totals["hits:ARI_LATEST"] == 1
    assert totals["hits"] == 2


def test_every_guarded_redis_call_is_timed(api, user):
    api.get(f"/api/users/{user.id}/goals")
    before = _sample("redis_operation_duration_ms_count")
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "HIT"
    calls = _sample("redis_operation_duration_ms_count") - before
    assert calls >= 1
    client.guarded(lambda r: r.ping())
    assert _sample("redis_operation_duration_ms_count") == before + calls + 1


def test_pool_connections_are_read_when_scraped(anon_api, api, user):
    api.get(f"/api/users/{user.id}/goals")
    pool.POOL_CONNECTIONS.labels("idle").set(-1)
    text = _scrape(anon_api)
    assert 'redis_pool_connections{state="in_use"} 0.0' in text
    idle = _sample("redis_pool_connections", {"state": "idle"})
    assert idle >= 1  # the request's connection, back in the pool
    assert f'redis_pool_connections{{state="idle"}} {idle}' in text


def test_breaker_state_follows_the_breaker(anon_api):
    breaker = client.breaker()
    breaker.open()
    assert "\ncache_breaker_state 2.0\n" in _scrape(anon_api)
    breaker.half_open()
    assert _sample("cache_breaker_state") == 1
    breaker.close()
    assert "\ncache_breaker_state 0.0\n" in _scrape(anon_api)


def test_every_gauge_says_how_workers_combine():
    ours = [stats.INVALIDATION_LAG, stats.BREAKER_STATE, pool.POOL_CONNECTIONS]
    assert [gauge._multiprocess_mode for gauge in ours] == ["mostrecent", "livemax", "livesum"]
    cache_gauges = [
        collector
        for collector, names in list(REGISTRY._collector_to_names.items())
        if isinstance(collector, Gauge) and any(name.startswith(("cache_", "redis_")) for name in names)
    ]
    assert len(cache_gauges) >= len(ours)
    for gauge in cache_gauges:
        assert gauge._multiprocess_mode != "all", gauge._name  # "all" shows one series per pid


def test_multiprocess_scrape_sums_the_workers_files(anon_api, monkeypatch, tmp_path):
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR set) /metrics sums every worker's files."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for pid in (101, 102):  # two workers' files, written as their processes would
        monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda pid=pid: pid))
        Counter("cache_hits", "Hits.", ["family"], registry=None).labels("GOAL_LIST").inc(3)
        Gauge("redis_pool_connections", "Pool.", ["state"], registry=None, multiprocess_mode="livesum").labels(
            "idle"
        ).set(2)
    text = _scrape(anon_api)
    assert 'cache_hits_total{family="GOAL_LIST"} 6.0' in text
    assert 'redis_pool_connections{state="idle"} 4.0' in text
    for name in NAMES[2:]:  # read from Redis by the worker that answers the scrape
        assert f"# TYPE {name} " in text, name
    assert "\nredis_connected 1.0\n" in text

    multiprocess.mark_process_dead(102)  # gunicorn.conf.py's child_exit
    text = _scrape(anon_api)
    assert 'cache_hits_total{family="GOAL_LIST"} 6.0' in text  # a dead worker's counts stay
    assert 'redis_pool_connections{state="idle"} 2.0' in text  # its connections do not
