"""Creating, reading and deleting snapshots: status codes, fields, the retention formula, access."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from ari.models import ARISnapshot
from ari.services import autonomy_retention
from tests.ari.helpers import DIMENSIONS_BODY, DIMENSIONS_RETENTION, ari_url, at, body
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SNAPSHOT_FIELDS = [
    "id",
    "user_id",
    "timestamp",
    *DIMENSIONS_BODY,
    "autonomy_retention",
    "delta_agency",
    "task_description",
    "task_complexity",
]


def test_create_returns_the_snapshot_with_computed_fields(api, user):
    before = timezone.now()
    response = api.post(ari_url(user.id), body(task_description="Refactor", task_complexity="complex"), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert list(data) == SNAPSHOT_FIELDS
    assert data["user_id"] == user.id
    assert data["autonomy_retention"] == DIMENSIONS_RETENTION
    assert data["delta_agency"] == 0
    assert data["task_description"] == "Refactor"
    assert data["task_complexity"] == "complex"
    assert data["timestamp"].endswith("Z")
    stored = ARISnapshot.objects.get(pk=data["id"])
    assert before <= stored.timestamp <= timezone.now()
    assert stored.autonomy_retention == DIMENSIONS_RETENTION


def test_create_defaults_and_timestamp_in_utc(api, user):
    response = api.post(ari_url(user.id), body(timestamp="2024-01-01T12:00:00+02:00"), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["timestamp"] == "2024-01-01T10:00:00Z"
    assert data["task_description"] == ""
    assert data["task_complexity"] is None


@pytest.mark.parametrize(
    ("dimensions", "expected"),
    [
        ({"ai_reliance": 0.0, **{d: 1 for d in DIMENSIONS_BODY if d != "ai_reliance"}}, 100.0),
        ({"ai_reliance": 1, **{d: 0 for d in DIMENSIONS_BODY if d != "ai_reliance"}}, 0.0),
        (DIMENSIONS_BODY, DIMENSIONS_RETENTION),
        ({**DIMENSIONS_BODY, "ai_reliance": 0.0}, 70.0),  # less reliance, higher retention
    ],
)
def test_autonomy_retention_formula(dimensions, expected):
    assert autonomy_retention(dimensions) == expected


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"decision_quality": 1.5}, "decision_quality"),
        ({"skill_development": -0.1}, "skill_development"),
        ({"ai_reliance": True}, "ai_reliance"),
        ({"engagement": "0.5"}, "engagement"),
        ({"user_confidence": None}, "user_confidence"),
        ({"autonomy_perception": [0.5]}, "autonomy_perception"),
        ({"task_description": "x" * 2001}, "task_description"),
        ({"task_description": 12}, "task_description"),
        ({"task_description": None}, "task_description"),
        ({"task_complexity": "hard"}, "task_complexity"),
        ({"task_complexity": ""}, "task_complexity"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 1700000000}, "timestamp"),
    ],
)
def test_invalid_body_is_400_and_writes_nothing(api, user, override, field):
    response = api.post(ari_url(user.id), body(**override), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ARISnapshot.objects.exists()


def test_missing_dimension_is_400(api, user):
    payload = body()
    del payload["bottleneck_resolution"]
    response = api.post(ari_url(user.id), payload, format="json")
    assert response.status_code == 400
    assert "bottleneck_resolution" in response.json()


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_400(api, user, raw):
    text = json.dumps(body()).replace("0.9", raw, 1)
    response = api.post(ari_url(user.id), text, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not ARISnapshot.objects.exists()


@pytest.mark.parametrize("payload", ["[]", "null", "12", "{"])
def test_body_not_an_object_is_400(api, user, payload):
    response = api.post(ari_url(user.id), payload, content_type="application/json")
    assert response.status_code == 400


def test_bounds_are_accepted(api, user):
    payload = body(decision_quality=0, skill_development=1, task_description="x" * 2000)
    response = api.post(ari_url(user.id), payload, format="json")
    assert response.status_code == 201, response.content


def test_latest_is_404_without_snapshots(api, user):
    response = api.get(ari_url(user.id))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_latest_orders_by_timestamp_then_id(snap, api, user):
    snap(user=user, timestamp=at(2), task_description="newest")
    snap(user=user, timestamp=at(1))
    response = api.get(ari_url(user.id))
    assert response.json()["task_description"] == "newest"
    tie = snap(user=user, timestamp=at(2), task_description="tie, higher id")
    assert api.get(ari_url(user.id)).json()["id"] == tie.id


def test_latest_with_trailing_slash(snap, api, user):
    snap(user=user)
    assert api.get(ari_url(user.id, "/")).status_code == 200


def test_delete(snap, api, user):
    snapshot = snap(user=user)
    response = api.delete(ari_url(user.id, f"/{snapshot.id}"))
    assert response.status_code == 204
    assert not ARISnapshot.objects.exists()
    assert api.delete(ari_url(user.id, f"/{snapshot.id}")).status_code == 404


def test_delete_of_another_users_snapshot_under_own_path_is_404(snap, api, user, other_user):
    theirs = snap(user=other_user)
    assert api.delete(ari_url(user.id, f"/{theirs.id}")).status_code == 404
    assert ARISnapshot.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("suffix", ["", "/history"])
def test_other_user_is_403_and_anonymous_401(snap, other_api, anon_api, user, suffix):
    snap(user=user)
    assert other_api.get(ari_url(user.id, suffix)).status_code == 403
    anonymous = anon_api.get(ari_url(user.id, suffix))
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Token")


def test_other_user_cannot_write_or_read_predictions(snap, other_api, anon_api, user):
    snapshot = snap(user=user)
    assert other_api.post(ari_url(user.id), body(), format="json").status_code == 403
    assert other_api.delete(ari_url(user.id, f"/{snapshot.id}")).status_code == 403
    assert other_api.get(f"/api/users/{user.id}/predictions").status_code == 403
    assert anon_api.get(f"/api/users/{user.id}/predictions").status_code == 401
    assert anon_api.post(ari_url(user.id), body(), format="json").status_code == 401
    assert ARISnapshot.objects.count() == 1


def test_staff_reads_and_writes_any_user(staff_api, user):
    assert staff_api.post(ari_url(user.id), body(), format="json").status_code == 201
    assert staff_api.get(ari_url(user.id)).json()["user_id"] == user.id
    assert staff_api.get(ari_url(999999)).status_code == 404


def test_bad_ids_are_404(api, user):
    assert api.delete(ari_url(user.id, "/0")).status_code == 404
    assert api.delete(ari_url(user.id, "/abc")).status_code == 404
    assert api.get("/api/users/0/ari").status_code == 404


def test_users_snapshots_do_not_mix(snap, api, user):
    snap(user=UserFactory(), timestamp=at(5))
    mine = snap(user=user, timestamp=at(1))
    assert api.get(ari_url(user.id)).json()["id"] == mine.id
