"""Writes of tasks: creation, the status machine, deletion. Every write fires TASK_COMPLETED.

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

from goals.models import Goal
from tasks import selectors
from tasks.models import TRANSITIONS, Task, TaskStatus


def _check_goal(*, user_id: int, goal_id: int | None) -> None:
    if goal_id is not None and not Goal.objects.filter(pk=goal_id, user_id=user_id).exists():
        raise ValidationError({"goal_id": ["Not a goal of this user."]})


def task_create(*, user_id: int, **fields: Any) -> Task:
    _check_goal(user_id=user_id, goal_id=fields.get("goal_id"))
    return Task.objects.create(user_id=user_id, status=TaskStatus.PENDING, **fields)


def _transition(task: Task, status: str) -> None:
    """Move ``task`` to ``status`` along TRANSITIONS, stamping times and counting retries."""
    if status == task.status:
        return
    if status not in TRANSITIONS[task.status]:
        raise ValidationError({"status": [f"Cannot change a task from {task.status} to {status}."]})
    if status == TaskStatus.RUNNING:
        task.started_at = timezone.now()
    elif status == TaskStatus.COMPLETED:
        task.completed_at = timezone.now()
    elif task.status == TaskStatus.FAILED and status == TaskStatus.PENDING:
        task.attempts += 1
    task.status = status


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
