"""/metrics: the six cache metrics of API.md, read at scrape time, even during an outage."""

from __future__ import annotations

import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest

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
