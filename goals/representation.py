"""A goal as the API shows it, built from a row (``values()``) or a model instance.

Plain functions rather than DRF serializers on the read path (see
``ari.representation``); ``goals.api.serializers.GoalSerializer`` describes the same
shape for the OpenAPI document, and a test keeps the two identical.
"""

from __future__ import annotations

from typing import Any

from aipal.timefmt import iso
from goals.models import Goal

__all__ = ["COLUMNS", "FIELDS", "goal_data", "row_of"]

# The goal's own fields; a row also holds the task counts the selectors annotate.
FIELDS = (
    "id",
    "user_id",
    "description",
    "importance",
    "complexity_level",
    "estimated_value",
    "status",
    "deadline",
    "created_at",
    "updated_at",
    "completed_at",
)
COLUMNS = (*FIELDS, "tasks_total", "tasks_completed")


def row_of(goal: Goal) -> dict[str, Any]:
    """The row of a goal instance (with its task counts, 0 when not annotated)."""
    return {name: getattr(goal, name, 0) for name in COLUMNS}


def goal_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "description": row["description"],
        "importance": row["importance"],
        "complexity_level": row["complexity_level"],
        "estimated_value": row["estimated_value"],
        "status": row["status"],
        "deadline": iso(row["deadline"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "completed_at": iso(row["completed_at"]),
        "progress": {"tasks_total": row["tasks_total"], "tasks_completed": row["tasks_completed"]},
    }
