"""The goal admin: status is free, ``completed_at`` follows it as in the API, and a goal
stays with the user whose tasks name it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from goals.models import Goal
from tests.api.factories import GoalFactory, TaskFactory

pytestmark = pytest.mark.django_db


def change(client: Client, goal: Goal, **overrides: object):  # type: ignore[no-untyped-def]
    data = {
        "description": goal.description,
        "importance": goal.importance,
        "complexity_level": goal.complexity_level,
        "estimated_value": "",
        "status": goal.status,
        "deadline_0": "",
        "deadline_1": "",
        **overrides,
    }
    return client.post(f"/admin/goals/goal/{goal.pk}/change/", data)


def test_completed_at_follows_the_status(admin_client, user):
    goal = GoalFactory(user=user)

    assert change(admin_client, goal, status="completed").status_code == 302
    goal.refresh_from_db()
    stamped = goal.completed_at
    assert stamped is not None

    assert change(admin_client, goal, description="Still done").status_code == 302
    goal.refresh_from_db()
    assert goal.completed_at == stamped  # completed once

    assert change(admin_client, goal, status="abandoned").status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.completed_at) == ("abandoned", None)


def test_the_user_of_a_goal_is_read_only(admin_client, user, other_user):
    goal = GoalFactory(user=user)
    assert change(admin_client, goal, user=other_user.pk).status_code == 302
    goal.refresh_from_db()
    assert goal.user_id == user.pk


def test_a_goal_with_tasks_does_not_move_to_another_user(user, other_user):
    goal = GoalFactory(user=user)
    TaskFactory(user=user, goal=goal)
    goal.user = other_user
    with pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert caught.value.message_dict == {"user": ["This goal has tasks of another user."]}

    goal.user = user
    goal.full_clean()
    GoalFactory(user=other_user).full_clean()  # no tasks: nothing to keep together
