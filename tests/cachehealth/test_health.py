"""GET /api/system/cache-health and GET /api/health: fields, statuses, outages, never cached."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from django.urls import resolve

from aipal.cache import client, stats
from aipal.cache.conf import cache_settings
from cachehealth import health
from cachehealth.health import CacheHealthChecker, RedisProbe

pytestmark = pytest.mark.django_db

FIELDS = {
    "redis_connected",
    "response_time_ms",
    "memory_used_mb",
    "keys_count",
    "hit_rate",
    "evictions_per_minute",
    "errors_count",
    "backend",
    "timestamp",
    "status",
    "invalidation",
    "warnings",
}


def test_cache_health_reports_every_figure(anon_api, monkeypatch):
    monkeypatch.setattr(client, "ping", lambda: 1.5)  # a PING well under SLOW_PING_MS
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["redis_connected"] is True
    assert body["status"] == "healthy"
    assert body["response_time_ms"] == 1.5
    assert isinstance(body["keys_count"], int)
    assert isinstance(body["errors_count"], int)
    assert body["memory_used_mb"] is None or body["memory_used_mb"] > 0
    assert body["backend"] == cache_settings().backend_label
    assert body["timestamp"].endswith("Z")
    datetime.fromisoformat(body["timestamp"])
    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("X-Cache")


def test_cache_health_answers_with_trailing_slash_and_ignores_bad_credentials(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anon_api.get("/api/system/cache-health/").status_code == 200
    assert anon_api.get("/api/health/").status_code == 200


def test_figures_redis_refuses_are_not_counted_as_errors(anon_api):
    """The embedded fakeredis has no INFO: that is an answer, not an outage."""
    before = stats.snapshot().get("errors", 0)
    for _ in range(5):
        assert anon_api.get("/api/system/cache-health").json()["status"] == "healthy"
    assert stats.snapshot().get("errors", 0) == before
    assert client.breaker().current_state == "closed"


def test_unhealthy_when_redis_is_down_503_with_the_same_body(anon_api, dead_redis):
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 503
    body = response.json()
    assert set(body) == FIELDS
    assert body["redis_connected"] is False
    assert body["status"] == "unhealthy"
    for name in ("response_time_ms", "memory_used_mb", "keys_count", "hit_rate", "evictions_per_minute"):
        assert body[name] is None, name
    assert (body["invalidation"], body["warnings"]) == (None, [])
    assert body["errors_count"] >= 1
    assert "no-store" in response["Cache-Control"]


def test_hit_rate_sums_shared_hits_and_misses(api, user, fresh_totals):
    assert CacheHealthChecker().check().hit_rate is None
    url = f"/api/users/{user.id}/goals"
    assert [api.get(url)["X-Cache"] for _ in range(3)] == ["MISS", "HIT", "HIT"]
    assert api.get("/api/system/cache-health").json()["hit_rate"] == round(2 / 3, 4)


@pytest.mark.parametrize(("ping_ms", "expected"), [(2.0, "healthy"), (9.99, "healthy"), (25.0, "degraded")])
def test_status_follows_the_ping(monkeypatch, anon_api, caplog, ping_ms, expected):
    monkeypatch.setattr(client, "ping", lambda: ping_ms)
    with caplog.at_level(logging.WARNING, logger="cachehealth.health"):
        response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 200
    assert response.json()["status"] == expected
    degraded_logged = "Cache response time degraded: 25ms" in caplog.text
    assert degraded_logged is (expected == "degraded")


def test_memory_and_evictions_come_from_the_probe(monkeypatch):
    probes = iter(
        [
            RedisProbe(True, 1.0, used_memory_bytes=3 * 1024 * 1024, evicted_keys=100, server_time=1e9),
            RedisProbe(True, 1.0, used_memory_bytes=1024 * 1024, evicted_keys=130, server_time=1e9 + 60),
        ]
    )
    monkeypatch.setattr(health, "probe_redis", lambda: next(probes))
    first = CacheHealthChecker().check()
    assert (first.memory_used_mb, first.evictions_per_minute) == (3.0, None)
    second = CacheHealthChecker().check()
    assert (second.memory_used_mb, second.evictions_per_minute) == (1.0, 30.0)


def test_health_ok_while_the_database_answers(anon_api):
    response = anon_api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "cache": "healthy"}
    assert "no-store" in response["Cache-Control"]


def test_health_ok_without_redis(anon_api, dead_redis):
    response = anon_api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "cache": "unhealthy"}


class _BrokenConnection:
    def cursor(self):  # type: ignore[no-untyped-def]
        from django.db import OperationalError

        raise OperationalError("could not connect to server")


def test_health_503_when_the_database_is_down(anon_api, monkeypatch):
    monkeypatch.setattr(health, "connections", {"default": _BrokenConnection()})
    response = anon_api.get("/api/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] is False


def test_system_views_opt_out_of_atomic_requests():
    """With ATOMIC_REQUESTS a database outage would be a 500 before the view could say 503."""
    for path in ("/api/health", "/api/system/cache-health"):
        assert "default" in resolve(path).func._non_atomic_requests
