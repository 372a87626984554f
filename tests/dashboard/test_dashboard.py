"""The dashboard: figures per API.md, cached, and fresh after every event that changes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ari.models import DIMENSIONS
from ari.services import snapshot_create
from goals.models import Goal
from tasks.models import Task

pytestmark = pytest.mark.django_db


def _snapshot(user, value: float, days_ago: float):  # type: ignore[no-untyped-def]
    dims = dict.fromkeys(DIMENSIONS, value)
    dims["ai_reliance"] = 1 - value
    return snapshot_create(user_id=user.id, timestamp=timezone.now() - timedelta(days=days_ago), **dims)


def _url(user) -> str:  # type: ignore[no-untyped-def]
    return f"/api/users/{user.id}/dashboard"


def test_empty_dashboard(api, user):
    body = api.get(_url(user)).json()
    assert body["user_id"] == user.id
    assert body["latest_ari"] is None
    assert body["ari_trend"] == {"count": 0, "average_autonomy_retention": None, "delta_7d": None}
    assert body["goals"] == {"active": 0, "completed": 0, "abandoned": 0}
    assert body["tasks"] == {"pending": 0, "running": 0, "completed": 0, "failed": 0}
    assert body["generated_at"].endswith("Z")


def test_dashboard_figures(api, user):
    _snapshot(user, 0.5, days_ago=10)
    _snapshot(user, 0.6, days_ago=8)
    _snapshot(user, 0.8, days_ago=1)
    Goal.objects.create(user=user, description="a")
    Goal.objects.create(user=user, description="b", status="completed")
    Task.objects.create(user=user, title="t", status="running")
    body = api.get(_url(user)).json()
    assert body["latest_ari"]["autonomy_retention"] == 80.0
    assert body["latest_ari"]["delta_agency"] == 20.0
    assert body["ari_trend"] == {"count": 3, "average_autonomy_retention": 63.33, "delta_7d": 20.0}
    assert body["goals"] == {"active": 1, "completed": 1, "abandoned": 0}
    assert body["tasks"] == {"pending": 0, "running": 1, "completed": 0, "failed": 0}


def test_hit_is_byte_identical_and_touches_no_table(api, user, django_assert_num_queries):
    _snapshot(user, 0.5, days_ago=1)
    first = api.get(_url(user))
    with django_assert_num_queries(1):  # the token lookup only
        second = api.get(_url(user))
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.content == second.content
    assert second["Content-Type"] == "application/json"
    assert "private" in second["Cache-Control"]


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda api, u: api.post(f"/api/users/{u.id}/ari", dict.fromkeys(DIMENSIONS, 0.9), format="json"), id="ari"
        ),
        pytest.param(
            lambda api, u: api.post(f"/api/users/{u.id}/goals", {"description": "g"}, format="json"), id="goal"
        ),
        pytest.param(lambda api, u: api.post(f"/api/users/{u.id}/tasks", {"title": "t"}, format="json"), id="task"),
        pytest.param(lambda api, u: api.patch(f"/api/users/{u.id}", {"display_name": "N"}, format="json"), id="user"),
    ],
)
def test_every_event_refreshes_the_dashboard_and_spares_other_users(api, user, other_api, other_user, write):
    api.get(_url(user))
    other_api.get(_url(other_user))
    before = api.get(_url(user))
    assert before["X-Cache"] == "HIT"
    response = write(api, user)
    assert response.status_code in (200, 201), response.content
    after = api.get(_url(user))
    assert after["X-Cache"] == "MISS"
    assert other_api.get(_url(other_user))["X-Cache"] == "HIT"


def test_other_users_dashboard_is_forbidden(api, other_user, anon_api):
    assert api.get(_url(other_user)).status_code == 403
    assert anon_api.get(_url(other_user)).status_code == 401
