"""Redis stopped mid-run: reads fall back to the database (BYPASS), writes succeed,
no request waits on the dead Redis, and the cache comes back by itself."""

from __future__ import annotations

import time

import pytest

from aipal.cache import client
from goals.models import Goal
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Generous: a dead Redis must cost at most a connect attempt, never REDIS_SOCKET_TIMEOUT per call.
REQUEST_BOUND_S = 2.0


def _timed_get(api, url):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = api.get(url)
    return response, time.monotonic() - started


def test_outage_bypasses_writes_succeed_and_the_cache_recovers(redis_server, app_on):
    app_on(redis_server.url)
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="v1")
    api = client_for(user)
    url = f"/api/users/{user.id}/goals/{goal.id}"
    assert api.get(url)["X-Cache"] == "MISS"
    assert api.get(url)["X-Cache"] == "HIT"

    redis_server.stop()
    for _ in range(10):
        response, elapsed = _timed_get(api, url)
        assert response.status_code == 200
        assert response["X-Cache"] == "BYPASS"
        assert response.json()["description"] == "v1"
        assert elapsed < REQUEST_BOUND_S
    assert client.breaker().current_state == "open"
    health = api.get("/api/system/cache-health")
    assert (health.status_code, health.json()["status"], health.json()["redis_connected"]) == (503, "unhealthy", False)

    patched = api.patch(url, {"description": "v2"}, format="json")
    assert patched.status_code == 200
    assert api.get(url).json()["description"] == "v2"

    redis_server.start()
    deadline = time.monotonic() + 15
    statuses = []
    while time.monotonic() < deadline:
        response = api.get(url)
        statuses.append(response["X-Cache"])
        assert response.json()["description"] == "v2"
        if statuses[-2:] == ["MISS", "HIT"] or statuses[-1] == "HIT":
            break
        time.sleep(0.2)
    assert statuses[-1] == "HIT", statuses
    health = api.get("/api/system/cache-health")
    assert health.status_code == 200 and health.json()["status"] in ("healthy", "degraded")


def test_slow_redis_costs_at_most_the_socket_timeout_then_the_breaker_opens(redis_server, app_on, settings):
    app_on(redis_server.url)
    user = UserFactory()
    api = client_for(user)
    url = f"/api/users/{user.id}/goals"
    api.get(url)
    redis_server.process.send_signal(19)  # SIGSTOP: Redis accepts nothing and answers nothing
    try:
        health, took = _timed_get(api, "/api/health")
        assert health.status_code == 200 and health.json()["cache"] == "unhealthy"
        assert took < 1.0, "the liveness probe must not wait on a hung Redis"
        elapsed = []
        for _ in range(6):
            response, took = _timed_get(api, url)
            assert response.status_code == 200 and response["X-Cache"] == "BYPASS"
            elapsed.append(took)
        socket_timeout = settings.CACHES["default"]["OPTIONS"]["SOCKET_TIMEOUT"]
        assert max(elapsed) < 2 * socket_timeout + REQUEST_BOUND_S
        assert client.breaker().current_state == "open"
        assert max(elapsed[-2:]) < 0.5, elapsed  # breaker open: no wait on Redis at all
    finally:
        redis_server.process.send_signal(18)  # SIGCONT
