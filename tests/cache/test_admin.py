"""The admin lists every model an operator inspects, including pending invalidations."""

import pytest

from aipal.cache.models import PendingInvalidation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/goals/goal/",
        "/admin/tasks/task/",
        "/admin/ari/arisnapshot/",
        "/admin/accounts/profile/",
        "/admin/aipal_cache/pendinginvalidation/",
    ],
)
def test_admin_changelists_answer(client, admin_user, path):
    PendingInvalidation.objects.create(user_id=1, fields=["GOAL_LIST"])
    client.force_login(admin_user)
    response = client.get(path + "?q=1")
    assert response.status_code == 200, path


def test_pending_invalidations_are_read_only(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/aipal_cache/pendinginvalidation/add/").status_code == 403


def test_pending_invalidations_cannot_be_deleted(client, admin_user):
    """Deleting one would leave the entries it names stale until their TTL."""
    pending = PendingInvalidation.objects.create(user_id=1, fields=["GOAL_LIST"])
    client.force_login(admin_user)
    delete = f"/admin/aipal_cache/pendinginvalidation/{pending.pk}/delete/"

    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get("/admin/aipal_cache/pendinginvalidation/")
    assert changelist.context["action_form"] is None  # no bulk action, delete_selected included
    assert b"delete_selected" not in changelist.content
    bulk = {"action": "delete_selected", "_selected_action": [pending.pk], "post": "yes", "index": 0}
    client.post("/admin/aipal_cache/pendinginvalidation/", bulk)
    assert PendingInvalidation.objects.filter(pk=pending.pk).exists()


def test_pending_invalidations_cannot_be_changed(client, admin_user):
    pending = PendingInvalidation.objects.create(user_id=1, fields=["GOAL_LIST"])
    client.force_login(admin_user)
    change = f"/admin/aipal_cache/pendinginvalidation/{pending.pk}/change/"

    assert client.get(change).status_code == 200  # a read-only view
    assert client.post(change, {"user_id": 2, "fields": "[]"}).status_code == 403
    pending.refresh_from_db()
    assert (pending.user_id, pending.fields) == (1, ["GOAL_LIST"])
