"""Fixtures of the API contract tests: a goal and a task per user, caching switched off."""

from __future__ import annotations

import pytest

from tests.api.factories import GoalFactory, TaskFactory


@pytest.fixture
def goal(user):
    return GoalFactory(user=user)


@pytest.fixture
def task(user, goal):
    return TaskFactory(user=user, goal=goal)


@pytest.fixture
def other_goal(other_user):
    return GoalFactory(user=other_user)


@pytest.fixture
def other_task(other_user, other_goal):
    return TaskFactory(user=other_user, goal=other_goal)


@pytest.fixture
def cache_disabled(settings):
    """Serve every cached GET from the database (``X-Cache: BYPASS``)."""
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
