"""Writes of goals. Each save fires the model's cache event through its signals.

A change is made to a goal loaded once, under a row lock, inside ``goal_locked``: two
concurrent writes cannot lose one another, and the row is not read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from goals import selectors
from goals.models import Goal, GoalStatus


def goal_stamp_status(*, goal: Goal, previous: str | None) -> None:
    """Stamp ``goal.status``, which was ``previous``: ``completed`` sets ``completed_at``
    (once), any other status clears it."""
    if goal.status == GoalStatus.COMPLETED:
        if previous != GoalStatus.COMPLETED or goal.completed_at is None:
            goal.completed_at = timezone.now()
    else:
        goal.completed_at = None


def _apply_status(goal: Goal, status: str) -> None:
    previous, goal.status = goal.status, status
    goal_stamp_status(goal=goal, previous=previous)


@contextmanager
def goal_locked(*, user_id: int, goal_id: int) -> Iterator[Goal]:
    """Open a transaction and yield one of the user's goals, with progress, under a row
    lock (404 when there is none); ``goal_update`` and ``goal_complete`` take it."""
    with transaction.atomic():
        yield selectors.goal_get(user_id=user_id, goal_id=goal_id, for_update=True)


def _require_lock() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Change a goal loaded by goal_locked(), inside its block.")


def goal_create(*, user_id: int, **fields: Any) -> Goal:
    """Create a goal; it has no tasks yet (its progress is known without a query)."""
    goal = Goal(user_id=user_id)
    status = fields.pop("status", GoalStatus.ACTIVE)
    for name, value in fields.items():
        setattr(goal, name, value)
    _apply_status(goal, status)
    goal.save()
    goal.tasks_total = goal.tasks_completed = 0
    return goal


def goal_update(*, goal: Goal, **fields: Any) -> Goal:
    """Apply an update to a goal from ``goal_locked``."""
    _require_lock()
    status = fields.pop("status", None)
    for name, value in fields.items():
        setattr(goal, name, value)
    if status is not None:
        _apply_status(goal, status)
    goal.save()
    return goal


def goal_complete(*, goal: Goal) -> Goal:
    """Complete a goal from ``goal_locked``; completing a completed goal changes nothing (no write, no event)."""
    _require_lock()
    if goal.status != GoalStatus.COMPLETED:
        _apply_status(goal, GoalStatus.COMPLETED)
        goal.save()
    return goal


def goal_delete(*, goal: Goal) -> None:
    """Delete a goal; its tasks stay, with ``goal_id`` cleared."""
    goal.delete()
