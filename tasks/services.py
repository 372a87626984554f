"""Writes of tasks: creation, the status machine, deletion. Every write fires TASK_COMPLETED.

The rules (the goal's owner, the allowed transitions) are the model's (``tasks.models``);
``Task.clean()`` applies them to the admin and any ``full_clean()`` caller.

A change is made to a task loaded once, under a row lock, inside ``task_locked``, so
concurrent transitions cannot interleave and the row is not read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tasks import selectors
from tasks.models import NOT_A_GOAL_OF_THIS_USER, Task, TaskStatus, check_transition, is_goal_of


def _check_goal(*, user_id: int, goal_id: int | None) -> None:
    if goal_id is not None and not is_goal_of(user_id=user_id, goal_id=goal_id):
        raise ValidationError({"goal_id": [NOT_A_GOAL_OF_THIS_USER]})


def task_create(*, user_id: int, **fields: Any) -> Task:
    _check_goal(user_id=user_id, goal_id=fields.get("goal_id"))
    return Task.objects.create(user_id=user_id, status=TaskStatus.PENDING, **fields)


def task_stamp_transition(*, task: Task, previous: str) -> None:
    """Stamp what the move from ``previous`` to ``task.status`` implies: ``running`` sets
    ``started_at``, ``completed`` sets ``completed_at``, a retry (failed -> pending) counts
    an attempt. The move itself is checked by ``check_transition``."""
    if task.status == previous:
        return
    if task.status == TaskStatus.RUNNING:
        task.started_at = timezone.now()
    elif task.status == TaskStatus.COMPLETED:
        task.completed_at = timezone.now()
    elif previous == TaskStatus.FAILED and task.status == TaskStatus.PENDING:
        task.attempts += 1


def _transition(task: Task, status: str) -> None:
    """Move ``task`` to ``status`` along TRANSITIONS, stamping times and counting retries."""
    previous = task.status
    check_transition(previous, status)
    task.status = status
    task_stamp_transition(task=task, previous=previous)


@contextmanager
def task_locked(*, user_id: int, task_id: int) -> Iterator[Task]:
    """Open a transaction and yield one of the user's tasks under a row lock (404 when
    there is none); ``task_update`` takes it."""
    with transaction.atomic():
        yield selectors.task_get(user_id=user_id, task_id=task_id, for_update=True)


def task_update(*, task: Task, **fields: Any) -> Task:
    """Apply a partial update to a task from ``task_locked``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Change a task loaded by task_locked(), inside its block.")
    if "goal_id" in fields:
        _check_goal(user_id=task.user_id, goal_id=fields["goal_id"])
    status = fields.pop("status", None)
    if status is not None:
        _transition(task, status)
    for name, value in fields.items():
        setattr(task, name, value)
    task.save()
    return task


def task_delete(*, task: Task) -> None:
    task.delete()
