"""Fixtures of the fast-path tests: a user with data on every cached route, and a token."""

from __future__ import annotations

import pytest

from tests.api.factories import GoalFactory, TaskFactory
from tests.factories import SnapshotFactory


@pytest.fixture
def data(user):  # type: ignore[no-untyped-def]
    goal = GoalFactory(user=user)
    task = TaskFactory(user=user, goal=goal)
    SnapshotFactory.create_batch(3, user=user)
    return {"goal": goal, "task": task}


@pytest.fixture
def cached_urls(user, data) -> list[str]:  # type: ignore[no-untyped-def]
    """One URL per cached route, and the query-string variants the routes take."""
    base = f"/api/users/{user.id}"
    return [
        base,
        f"{base}/",
        f"{base}/ari",
        f"{base}/ari/history",
        f"{base}/ari/history?limit=2&since=2020-01-01T00:00:00",
        f"{base}/ari/history?until=2999-01-01T00:00:00%2B02:00&unknown=1",
        f"{base}/predictions",
        f"{base}/dashboard",
        f"{base}/goals",
        f"{base}/goals?status=all&limit=5",
        f"{base}/goals/{data['goal'].id}",
        f"{base}/goals/{data['goal'].id}/",
        f"{base}/tasks",
        f"{base}/tasks?status=pending&goal_id={data['goal'].id}",
        f"{base}/tasks/{data['task'].id}",
    ]
