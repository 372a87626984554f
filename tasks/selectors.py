"""Reads of tasks, returning JSON-ready data."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound

from aipal.api.params import DEFAULT_LIMIT
from aipal.cache.aside import CachedRead
from aipal.cache.keys import TASK_DETAIL, TASK_LIST
from tasks.models import Task
from tasks.representation import COLUMNS, task_data


def task_list(
    *, user_id: int, limit: int, status: str | None = None, goal_id: int | None = None
) -> list[dict[str, Any]]:
    """Return one user's tasks, newest first, optionally filtered by status and goal."""
    tasks = Task.objects.filter(user_id=user_id)
    if status is not None:
        tasks = tasks.filter(status=status)
    if goal_id is not None:
        tasks = tasks.filter(goal_id=goal_id)
    return [task_data(row) for row in tasks.order_by("-created_at", "-id").values(*COLUMNS)[:limit]]


def task_get(*, user_id: int, task_id: int, for_update: bool = False) -> Task:
    """Return one of the user's tasks (under a row lock if asked), or raise 404."""
    tasks = Task.objects.filter(user_id=user_id, pk=task_id)
    task = (tasks.select_for_update() if for_update else tasks).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


def task_detail(*, user_id: int, task_id: int) -> dict[str, Any]:
    row = Task.objects.filter(user_id=user_id, pk=task_id).values(*COLUMNS).first()
    if row is None:
        raise NotFound("Task not found.")
    return task_data(row)


def task_list_read(
    *, user_id: int, limit: int = DEFAULT_LIMIT, status: str | None = None, goal_id: int | None = None
) -> CachedRead:
    key = TASK_LIST.key(user_id=user_id, variant={"limit": limit, "status": status, "goal_id": goal_id})
    return CachedRead(key, lambda: task_list(user_id=user_id, limit=limit, status=status, goal_id=goal_id))


def task_detail_read(*, user_id: int, task_id: int) -> CachedRead:
    key = TASK_DETAIL.key(user_id=user_id, object_id=task_id)
    return CachedRead(key, lambda: task_detail(user_id=user_id, task_id=task_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The default view of every cached task GET of one user (what ``cache_warm`` fills)."""
    task_ids = Task.objects.filter(user_id=user_id).order_by("-created_at", "-id").values_list("id", flat=True)
    return [task_list_read(user_id=user_id)] + [task_detail_read(user_id=user_id, task_id=t) for t in task_ids]
