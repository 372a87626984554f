"""The snapshot admin: lists and searches, and keeps ``autonomy_retention`` derived on save."""

from __future__ import annotations

import pytest

from ari.models import ARISnapshot
from tests.ari.helpers import DIMENSIONS_BODY, DIMENSIONS_RETENTION

pytestmark = pytest.mark.django_db


def form(user_id: int, **overrides: object) -> dict[str, object]:
    return {
        "user": user_id,
        "timestamp_0": "2024-03-01",
        "timestamp_1": "12:00:00",
        **DIMENSIONS_BODY,
        "task_description": "",
        "task_complexity": "",
        **overrides,
    }


def test_add_and_change_compute_retention(admin_client, user):
    response = admin_client.post("/admin/ari/arisnapshot/add/", form(user.id, autonomy_retention=1))
    assert response.status_code == 302, response.content.decode()[:2000]
    snapshot = ARISnapshot.objects.get()
    assert snapshot.autonomy_retention == DIMENSIONS_RETENTION

    response = admin_client.post(f"/admin/ari/arisnapshot/{snapshot.pk}/change/", form(user.id, ai_reliance=0.0))
    assert response.status_code == 302
    snapshot.refresh_from_db()
    assert snapshot.autonomy_retention == 70.0


def test_changelist_filters_and_search(snap, admin_client, user):
    snap(user=user, task_description="Write the parser", task_complexity="complex")
    for query in ["", "?q=parser", f"?q={user.username}", "?task_complexity__exact=complex"]:
        response = admin_client.get(f"/admin/ari/arisnapshot/{query}")
        assert response.status_code == 200
        assert b"1 ARI snapshot" in response.content, query
    assert b"0 ARI snapshots" in admin_client.get("/admin/ari/arisnapshot/?q=nothing-like-it").content
