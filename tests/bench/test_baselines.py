"""The benchmark's baselines answer the benchmarked routes with the API's own data, so the
comparison is between ways of serving the same thing."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api.factories import GoalFactory, TaskFactory
from tests.factories import SnapshotFactory

pytestmark = pytest.mark.django_db

VOLATILE = {"generated_at"}


def _strip(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_plain_drf_baseline_serves_the_apis_data(api, user, settings):
    goal = GoalFactory(user=user)
    task = TaskFactory(user=user, goal=goal, result={"x": 1})
    SnapshotFactory.create_batch(3, user=user)
    base = f"/api/users/{user.id}"
    paths = ["", "/ari", "/ari/history", "/predictions", "/dashboard", "/goals", f"/goals/{goal.id}", "/tasks"]
    paths.append(f"/tasks/{task.id}")
    expected = {path: api.get(base + path).json() for path in paths}
    baseline = APIClient()
    baseline.force_authenticate(user)
    with override_settings(ROOT_URLCONF="bench.baselines.urls", BASELINE="plain", CACHES=settings.CACHES):
        for path in paths:
            response = baseline.get(base + path, HTTP_ACCEPT="application/json")
            assert response.status_code == 200, (path, response.content)
            assert _strip(response.json()) == _strip(expected[path]), path
