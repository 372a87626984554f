"""The task admin obeys the API's rules: another user's goal and a status change off
TRANSITIONS are form errors that change nothing; a valid change is stamped as the API does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tasks.models import NOT_A_GOAL_OF_THIS_USER, Task, TaskStatus
from tests.api.factories import GoalFactory, TaskFactory

pytestmark = pytest.mark.django_db


def form(task: Task, **overrides: object) -> dict[str, object]:
    """The change form as the admin renders it for ``task`` (its user is read-only there)."""
    return {
        "goal": task.goal_id or "",
        "title": task.title,
        "task_type": task.task_type,
        "priority": task.priority,
        "status": task.status,
        "attempts": task.attempts,
        "result": "null",
        "error_message": "",
        **overrides,
    }


def change(client: Client, task: Task, **overrides: object):  # type: ignore[no-untyped-def]
    return client.post(f"/admin/tasks/task/{task.pk}/change/", form(task, **overrides))


def form_errors(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


def row(task: Task) -> dict[str, object]:
    return Task.objects.filter(pk=task.pk).values().get()


def test_another_users_goal_is_a_form_error_and_changes_nothing(admin_client, user, other_user):
    task = TaskFactory(user=user)
    before = row(task)

    response = change(admin_client, task, goal=GoalFactory(user=other_user).pk, title="Moved")

    assert form_errors(response) == {"goal": [NOT_A_GOAL_OF_THIS_USER]}
    assert row(task) == before


def test_a_task_cannot_be_added_with_another_users_goal(admin_client, user, other_user):
    response = admin_client.post(
        "/admin/tasks/task/add/",
        {**form(Task(user=user, title="New")), "user": user.pk, "goal": GoalFactory(user=other_user).pk},
    )
    assert form_errors(response) == {"goal": [NOT_A_GOAL_OF_THIS_USER]}
    assert not Task.objects.exists()


def test_a_task_cannot_be_added_past_pending(admin_client, user):
    response = admin_client.post(
        "/admin/tasks/task/add/", {**form(Task(user=user, title="New"), status="completed"), "user": user.pk}
    )
    assert form_errors(response) == {"status": ["A new task starts pending."]}
    assert not Task.objects.exists()


FORBIDDEN = [("pending", "completed"), ("completed", "pending"), ("failed", "running")]


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_a_transition_off_the_machine_is_a_form_error_and_changes_nothing(admin_client, user, current, target):
    task = TaskFactory(user=user, status=current)
    before = row(task)

    response = change(admin_client, task, status=target, title="Changed")

    assert form_errors(response) == {"status": [f"Cannot change a task from {current} to {target}."]}
    assert row(task) == before


def test_a_valid_transition_is_saved_and_stamped(admin_client, user):
    task = TaskFactory(user=user)

    assert change(admin_client, task, status="running").status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.RUNNING, None) and task.started_at is not None

    assert change(admin_client, task, status="failed").status_code == 302
    assert change(admin_client, task, status="pending").status_code == 302  # a retry
    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.PENDING, 1)


def test_the_user_of_a_task_is_read_only(admin_client, user, other_user):
    task = TaskFactory(user=user)
    assert change(admin_client, task, user=other_user.pk, title="Still mine").status_code == 302
    task.refresh_from_db()
    assert (task.user_id, task.title) == (user.pk, "Still mine")


@pytest.mark.integration
def test_a_change_is_checked_against_the_row_under_a_lock(admin_client, user):
    """On PostgreSQL the POST reads the task with SELECT ... FOR UPDATE inside the admin's transaction."""
    task = TaskFactory(user=user)
    with CaptureQueriesContext(connection) as queries:
        assert change(admin_client, task, status="running").status_code == 302
    assert any("FOR UPDATE" in query["sql"] and '"tasks_task"' in query["sql"] for query in queries)
