"""The app on a Redis that requires a password, as docker-compose.yml runs it.

``REDIS_URL`` carries the password (``redis://:<password>@redis:6379/0``) and every
connection the app opens authenticates with it: the pool, the fast path's own socket,
the probe of the cache-health endpoint. Without it Redis refuses, and the app serves
from the database as in an outage, never a 500.
"""

from __future__ import annotations

import json

import pytest
import redis

from aipal.accounts.tokens import issue
from tests.api.factories import GoalFactory
from tests.factories import UserFactory
from tests.wsgi_client import WSGIClient, answered_by_fast_path

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-redis-password-0123456789"  # noqa: S105  (the test server's)


@pytest.fixture
def locked_redis(redis_server):  # type: ignore[no-untyped-def]
    """The test's own Redis, requiring PASSWORD from every new connection."""
    redis.Redis(port=redis_server.port).config_set("requirepass", PASSWORD)
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=redis_server.port).ping()
    return redis_server


def url(port: int, password: str | None) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0" if password else f"redis://127.0.0.1:{port}/0"


def goal_reader():  # type: ignore[no-untyped-def]
    user = UserFactory()
    goal = GoalFactory(user=user, description="before")
    return WSGIClient(token=issue(user)[0], commit=False), f"/api/users/{user.id}/goals/{goal.id}"


def test_reads_hits_and_invalidation_work_with_the_password(locked_redis, app_on):
    app_on(url(locked_redis.port, PASSWORD))
    wsgi, path = goal_reader()
    assert wsgi.get(path).header("X-Cache") == "MISS"
    assert answered_by_fast_path(wsgi, path).header("X-Cache") == "HIT"
    assert wsgi.request("PATCH", path, json.dumps({"description": "after"})).status == 200
    fresh = wsgi.get(path)
    assert (fresh.header("X-Cache"), fresh.json()["description"]) == ("MISS", "after")
    health = WSGIClient().get("/api/system/cache-health")
    assert (health.status, health.json()["status"]) == (200, "healthy")


@pytest.mark.parametrize("password", [None, "a-wrong-password"])
def test_without_the_password_the_app_reads_the_database(locked_redis, app_on, password):
    app_on(url(locked_redis.port, password))
    wsgi, path = goal_reader()
    for _ in range(2):
        response = wsgi.get(path)
        assert (response.status, response.header("X-Cache")) == (200, "BYPASS")
        assert response.json()["description"] == "before"
