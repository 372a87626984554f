"""Concurrent writes to one goal keep both changes (row lock), on real PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from goals.models import Goal
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_patches_of_one_goal_both_land(monkeypatch):
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="old", importance=5)
    url = f"/api/users/{user.id}/goals/{goal.id}"
    original_save = Goal.save

    def slow_save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.3)  # widen the read-modify-write window
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Goal, "save", slow_save)
    statuses = []

    def patch(body: dict, delay: float) -> None:
        time.sleep(delay)
        try:
            statuses.append(client_for(user).patch(url, body, format="json").status_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=patch, args=({"description": "new"}, 0)),
        threading.Thread(target=patch, args=({"importance": 9}, 0.1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert statuses == [200, 200]
    goal.refresh_from_db()
    assert (goal.description, goal.importance) == ("new", 9)
    assert client_for(user).get(url).json()["description"] == "new"
