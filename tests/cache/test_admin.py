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
