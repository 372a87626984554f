"""Task rules in the model: ``Task.full_clean()`` refuses another user's goal and a status
change off TRANSITIONS, with the same verdicts as the API's service."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from tasks.models import NOT_A_GOAL_OF_THIS_USER, Task, TaskStatus
from tasks.services import task_locked, task_update
from tests.api.factories import GoalFactory, TaskFactory

pytestmark = pytest.mark.django_db

ALLOWED = {("pending", "running"), ("running", "completed"), ("running", "failed"), ("failed", "pending")}


def errors_of(task: Task) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        task.full_clean()
    return caught.value.message_dict


def test_another_users_goal_is_refused(user, other_user):
    task = TaskFactory(user=user)
    task.goal = GoalFactory(user=other_user)
    assert errors_of(task) == {"goal": [NOT_A_GOAL_OF_THIS_USER]}
    task.goal = GoalFactory(user=user)
    task.full_clean()


def test_a_goal_must_follow_its_task_to_another_user(user, other_user):
    task = TaskFactory(user=user, goal=GoalFactory(user=user))
    task.user = other_user
    assert set(errors_of(task)) == {"goal"}


def test_a_new_task_starts_pending(user):
    assert errors_of(Task(user=user, title="Early", status=TaskStatus.RUNNING)) == {
        "status": ["A new task starts pending."]
    }
    Task(user=user, title="Early").full_clean()


@pytest.mark.parametrize(("current", "target"), list(itertools.product(TaskStatus.values, repeat=2)))
def test_model_and_service_give_the_same_verdict(user, current, target):
    """One definition of the allowed transitions: the model's clean() and the API's service agree."""
    task = Task.objects.get(pk=TaskFactory(user=user, status=current).pk)
    task.status = target
    allowed = current == target or (current, target) in ALLOWED
    if allowed:
        task.full_clean()
    else:
        assert errors_of(task) == {"status": [f"Cannot change a task from {current} to {target}."]}

    served = TaskFactory(user=user, status=current)
    try:
        with task_locked(user_id=user.id, task_id=served.pk) as locked:
            task_update(task=locked, status=target)
    except ValidationError as exc:
        assert not allowed
        assert exc.message_dict == {"status": [f"Cannot change a task from {current} to {target}."]}
    else:
        assert allowed
    served.refresh_from_db()
    assert served.status == (target if allowed else current)


def test_the_stored_status_follows_saves(user):
    task = Task.objects.get(pk=TaskFactory(user=user).pk)
    task.status = TaskStatus.RUNNING
    task.save()
    task.status = TaskStatus.COMPLETED  # running -> completed: allowed once running is stored
    task.full_clean()
    task.save(update_fields=["title"])  # completed was not written: running is still the stored status
    task.status = TaskStatus.FAILED  # running -> failed is allowed, completed -> failed would not be
    task.full_clean()
    task.status = TaskStatus.PENDING
    assert set(errors_of(task)) == {"status"}


def test_the_stored_status_is_read_when_it_was_deferred(user):
    task = Task.objects.only("id", "user", "title").get(pk=TaskFactory(user=user).pk)
    task.status = TaskStatus.COMPLETED  # pending -> completed
    assert errors_of(task) == {"status": ["Cannot change a task from pending to completed."]}


def test_refresh_from_db_updates_the_stored_status(user):
    task = Task.objects.get(pk=TaskFactory(user=user).pk)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.RUNNING)  # another process moved it
    task.refresh_from_db()
    task.status = TaskStatus.COMPLETED
    task.full_clean()
