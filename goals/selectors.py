"""Reads of goals, returning JSON-ready data (progress counted in the same query)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound

from aipal.api.params import DEFAULT_LIMIT
from aipal.cache.aside import CachedRead
from aipal.cache.keys import GOAL_DETAIL, GOAL_LIST
from goals.models import Goal, GoalStatus
from goals.representation import COLUMNS, goal_data
from tasks.models import Task, TaskStatus

ALL_STATUSES = "all"


def _task_count(**filters: Any) -> Coalesce:
    """Count one goal's tasks in a correlated subquery (on the goal_id index).

    NOTE: a JOIN + GROUP BY would aggregate every goal of the user before LIMIT.
    """
    tasks = Task.objects.filter(goal=OuterRef("pk"), **filters).order_by().values("goal")
    return Coalesce(Subquery(tasks.annotate(n=Count("id")).values("n"), output_field=IntegerField()), 0)


def goals_with_progress() -> QuerySet[Goal]:
    """Goals annotated with their task counts (no N+1): a clone of a queryset built once
    (see ``ari.selectors.snapshots_with_delta``)."""
    return _goals_with_progress().all()


@cache
def _goals_with_progress() -> QuerySet[Goal]:
    return Goal.objects.annotate(tasks_total=_task_count(), tasks_completed=_task_count(status=TaskStatus.COMPLETED))


def goal_list(*, user_id: int, status: str, limit: int) -> list[dict[str, Any]]:
    """Return one user's goals of ``status`` (or all), newest first."""
    goals = goals_with_progress().filter(user_id=user_id)
    if status != ALL_STATUSES:
        goals = goals.filter(status=status)
    return [goal_data(row) for row in goals.order_by("-created_at", "-id").values(*COLUMNS)[:limit]]


def goal_get(*, user_id: int, goal_id: int, for_update: bool = False) -> Goal:
    """Return one of the user's goals with progress (under a row lock if asked), or raise 404."""
    goals = goals_with_progress().filter(user_id=user_id, pk=goal_id)
    goal = (goals.select_for_update() if for_update else goals).first()
    if goal is None:
        raise NotFound("Goal not found.")
    return goal


def goal_detail(*, user_id: int, goal_id: int) -> dict[str, Any]:
    row = goals_with_progress().filter(user_id=user_id, pk=goal_id).values(*COLUMNS).first()
    if row is None:
        raise NotFound("Goal not found.")
    return goal_data(row)


def goal_list_read(*, user_id: int, status: str = GoalStatus.ACTIVE, limit: int = DEFAULT_LIMIT) -> CachedRead:
    key = GOAL_LIST.key(user_id=user_id, variant={"status": status, "limit": limit})
    return CachedRead(key, lambda: goal_list(user_id=user_id, status=status, limit=limit))


def goal_detail_read(*, user_id: int, goal_id: int) -> CachedRead:
    key = GOAL_DETAIL.key(user_id=user_id, object_id=goal_id)
    return CachedRead(key, lambda: goal_detail(user_id=user_id, goal_id=goal_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The default view of every cached goal GET of one user (what ``cache_warm`` fills)."""
    goal_ids = Goal.objects.filter(user_id=user_id).order_by("-created_at", "-id").values_list("id", flat=True)
    return [goal_list_read(user_id=user_id)] + [goal_detail_read(user_id=user_id, goal_id=g) for g in goal_ids]
