"""In the admin, an object's user is fixed once the object exists: a change form that
names another user leaves the object with its owner (the cache invalidates for the
owner only, so a move would leave the old owner's cached answers stale)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from aipal.accounts.models import Profile
from ari.models import ARISnapshot
from goals.models import Goal
from tasks.models import Task
from tests.api.factories import GoalFactory, TaskFactory
from tests.factories import SnapshotFactory, UserFactory

pytestmark = pytest.mark.django_db

OWNED = [(Goal, GoalFactory), (Task, TaskFactory), (ARISnapshot, SnapshotFactory), (Profile, None)]


@pytest.mark.parametrize(("model", "factory"), OWNED, ids=[model.__name__ for model, _ in OWNED])
def test_the_user_of_an_existing_object_is_read_only(model, factory, admin_user):
    owner = UserFactory()
    obj = owner.profile if factory is None else factory(user=owner)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert "user" in model_admin.get_readonly_fields(request, obj)
    assert "user" not in model_admin.get_form(request, obj).base_fields
    assert "user" not in model_admin.get_readonly_fields(request, None)  # chosen when adding
