"""The cache's log lines, as the seed design lists them: DEBUG ``Cache hit: <key>`` and
``Cache miss: <key>``, INFO ``Invalidated <events> for user <id>``."""

from __future__ import annotations

import logging

import pytest

from tests.wsgi_client import answered_by_fast_path

pytestmark = pytest.mark.django_db


def messages(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith(logger)]


def test_hits_and_misses_are_logged_at_debug_with_their_key(api, user, caplog):
    caplog.set_level(logging.DEBUG, logger="aipal.cache")
    for _ in range(2):
        assert api.get(f"/api/users/{user.id}/goals?status=all").status_code == 200
    key = f"{{u:{user.id}}}:goals:list?limit=100&status=all"
    assert messages(caplog, "aipal.cache.aside") == [f"Cache miss: {key}", f"Cache hit: {key}"]


def test_the_fast_path_logs_its_hits_and_its_misses_once(wsgi, user, caplog):
    caplog.set_level(logging.DEBUG, logger="aipal.cache")
    url = f"/api/users/{user.id}/dashboard"
    assert wsgi.get(url).status == 200  # the token's record is filled: the view answers
    assert wsgi.get(f"/api/users/{user.id}/goals").status == 200  # a miss the fast path loads
    answered_by_fast_path(wsgi, url)
    logged = [m for m in messages(caplog, "aipal.cache") if m.startswith("Cache ")]
    assert logged == [
        f"Cache miss: {{u:{user.id}}}:dashboard",
        f"Cache miss: {{u:{user.id}}}:goals:list?limit=100&status=active",
        f"Cache hit: {{u:{user.id}}}:dashboard",
    ]


def test_invalidations_are_logged_at_info_with_their_events_and_user(api, user, caplog):
    caplog.set_level(logging.INFO, logger="aipal.cache")
    goal = api.post(f"/api/users/{user.id}/goals", {"description": "g"}, format="json").json()
    api.post(f"/api/users/{user.id}/tasks", {"title": "t", "goal_id": goal["id"]}, format="json")
    assert messages(caplog, "aipal.cache.invalidation") == [
        f"Invalidated GOAL_CREATED for user {user.id}",
        f"Invalidated TASK_COMPLETED for user {user.id}",
    ]


def test_nothing_is_logged_per_read_at_the_default_level(api, user, caplog):
    caplog.set_level(logging.INFO, logger="aipal.cache")
    api.get(f"/api/users/{user.id}/goals")
    api.get(f"/api/users/{user.id}/goals")
    assert messages(caplog, "aipal.cache") == []


def test_a_lost_connection_is_logged_once_at_error(api, user, dead_redis, caplog, monkeypatch):
    from aipal.cache.client import guard

    monkeypatch.setattr(guard, "_last_log", 0.0)
    caplog.set_level(logging.INFO, logger="aipal.cache")
    for _ in range(5):
        assert api.get(f"/api/users/{user.id}/goals").status_code == 200
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and "Redis" in r.getMessage()]
    assert errors[0].startswith("Redis connection failed: ")
    assert len([m for m in errors if m.startswith("Redis connection failed")]) == 1  # rate-limited


def test_bumps_without_events_are_not_logged_as_invalidations(user, caplog):
    from aipal.cache import invalidation

    caplog.set_level(logging.INFO, logger="aipal.cache")
    assert invalidation.apply_now(user.id, ["GOAL_LIST"])  # a flush or a replay: no event behind it
    assert messages(caplog, "aipal.cache.invalidation") == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("ConnectionError", "Redis connection failed: "),
        ("TimeoutError", "Redis connection failed: "),
        ("ResponseError", "Redis call failed: "),
    ],
)
def test_a_lost_connection_is_told_from_a_refused_command(error, message, caplog, monkeypatch):
    from redis import exceptions

    from aipal.cache.client import guard

    monkeypatch.setattr(guard, "_last_log", 0.0)
    caplog.set_level(logging.ERROR, logger="aipal.cache")
    guard._log_failure(getattr(exceptions, error)("boom"))
    assert messages(caplog, "aipal.cache.client") == [f"{message}boom"]
