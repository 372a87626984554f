"""A task as the API shows it, built from a row (``values()``) or a model instance.

Plain functions rather than DRF serializers on the read path (see
``ari.representation``); ``tasks.api.serializers.TaskSerializer`` describes the same
shape for the OpenAPI document, and a test keeps the two identical.
"""

from __future__ import annotations

from typing import Any

from aipal.timefmt import iso
from tasks.models import Task

__all__ = ["COLUMNS", "row_of", "task_data"]

COLUMNS = (
    "id",
    "user_id",
    "goal_id",
    "title",
    "task_type",
    "priority",
    "status",
    "attempts",
    "result",
    "error_message",
    "created_at",
    "started_at",
    "completed_at",
)


def row_of(task: Task) -> dict[str, Any]:
    return {name: getattr(task, name) for name in COLUMNS}


def task_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{name: row[name] for name in COLUMNS[:10]},
        "created_at": iso(row["created_at"]),
        "started_at": iso(row["started_at"]),
        "completed_at": iso(row["completed_at"]),
    }
