"""Reads of goals, returning JSON-ready data (progress counted in the same query)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from rest_framework.exceptions import NotFound

from goals.api.serializers import GoalSerializer
from goals.models import Goal

ALL_STATUSES = "all"


def goals_with_progress() -> QuerySet[Goal]:
    """Goals annotated with their task counts (no N+1)."""
    return Goal.objects.annotate(
        tasks_total=Count("tasks"),
        tasks_completed=Count("tasks", filter=Q(tasks__status="completed")),
    )


def goal_list(*, user_id: int, status: str, limit: int) -> list[dict[str, Any]]:
    """Return one user's goals of ``status`` (or all), newest first."""
    goals = goals_with_progress().filter(user_id=user_id)
    if status != ALL_STATUSES:
        goals = goals.filter(status=status)
    return GoalSerializer(goals.order_by("-created_at", "-id")[:limit], many=True).data


def goal_get(*, user_id: int, goal_id: int) -> Goal:
    """Return one of the user's goals with progress, or raise 404."""
    goal = goals_with_progress().filter(user_id=user_id, pk=goal_id).first()
    if goal is None:
        raise NotFound("Goal not found.")
    return goal


def goal_detail(*, user_id: int, goal_id: int) -> dict[str, Any]:
    return GoalSerializer(goal_get(user_id=user_id, goal_id=goal_id)).data
