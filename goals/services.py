"""Writes of goals. Each save fires the model's cache event through its signals."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from goals.models import Goal, GoalStatus


def _apply_status(goal: Goal, status: str) -> None:
    """``completed`` stamps ``completed_at`` (once); any other status clears it."""
    if status == GoalStatus.COMPLETED:
        if goal.status != GoalStatus.COMPLETED or goal.completed_at is None:
            goal.completed_at = timezone.now()
    else:
        goal.completed_at = None
    goal.status = status


def _locked(goal: Goal) -> Goal:
    """Re-read ``goal`` under a row lock (inside the caller's transaction)."""
    return Goal.objects.select_for_update().get(pk=goal.pk)


def goal_create(*, user_id: int, **fields: Any) -> Goal:
    goal = Goal(user_id=user_id)
    status = fields.pop("status", GoalStatus.ACTIVE)
    for name, value in fields.items():
        setattr(goal, name, value)
    _apply_status(goal, status)
    goal.save()
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, **fields: Any) -> Goal:
    """Apply an update under a row lock, so two concurrent writes cannot lose one another."""
    goal = _locked(goal)
    status = fields.pop("status", None)
    for name, value in fields.items():
        setattr(goal, name, value)
    if status is not None:
        _apply_status(goal, status)
    goal.save()
    return goal


@transaction.atomic
def goal_complete(*, goal: Goal) -> Goal:
    """Complete a goal; completing a completed goal changes nothing (no write, no event)."""
    goal = _locked(goal)
    if goal.status != GoalStatus.COMPLETED:
        _apply_status(goal, GoalStatus.COMPLETED)
        goal.save()
    return goal


def goal_delete(*, goal: Goal) -> None:
    """Delete a goal; its tasks stay, with ``goal_id`` cleared."""
    goal.delete()
