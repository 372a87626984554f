"""Reads of tasks, returning JSON-ready data."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound

from tasks.api.serializers import TaskSerializer
from tasks.models import Task


def task_list(*, user_id: int, limit: int, status: str | None = None, goal_id: int | None = None) -> list[dict[str, Any]]:
    """Return one user's tasks, newest first, optionally filtered by status and goal."""
    tasks = Task.objects.filter(user_id=user_id)
    if status is not None:
        tasks = tasks.filter(status=status)
    if goal_id is not None:
        tasks = tasks.filter(goal_id=goal_id)
    return TaskSerializer(tasks.order_by("-created_at", "-id")[:limit], many=True).data


def task_get(*, user_id: int, task_id: int) -> Task:
    task = Task.objects.filter(user_id=user_id, pk=task_id).first()
    if task is None:
        raise NotFound("Task not found.")
    return task


def task_detail(*, user_id: int, task_id: int) -> dict[str, Any]:
    return TaskSerializer(task_get(user_id=user_id, task_id=task_id)).data
