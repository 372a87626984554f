"""Helpers for the API contract tests: URLs, DB snapshots and response checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model

from aipal.accounts.models import Profile
from goals.models import Goal
from tasks.models import Task

PROFILE_FIELDS = {"id", "username", "email", "display_name", "learning_style", "preferences", "date_joined"}
GOAL_FIELDS = {
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
    "progress",
}
TASK_FIELDS = {
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
}


def user_url(user_id: int) -> str:
    return f"/api/users/{user_id}"


def goals_url(user_id: int, goal_id: int | None = None) -> str:
    base = f"/api/users/{user_id}/goals"
    return base if goal_id is None else f"{base}/{goal_id}"


def tasks_url(user_id: int, task_id: int | None = None) -> str:
    base = f"/api/users/{user_id}/tasks"
    return base if task_id is None else f"{base}/{task_id}"


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Return every row the API can write, to compare before and after a request."""
    return {
        "users": list(get_user_model().objects.order_by("id").values()),
        "profiles": list(Profile.objects.order_by("id").values()),
        "goals": list(Goal.objects.order_by("id").values()),
        "tasks": list(Task.objects.order_by("id").values()),
    }


def parse_time(value: str) -> datetime:
    """Parse an API timestamp, insisting on an explicit UTC offset."""
    assert value.endswith("Z") or value.endswith("+00:00"), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None
    return parsed


def assert_error_shape(response: Any, key: str | None = None) -> None:
    """Check a 4xx body: JSON, ``{"detail": "..."}`` or ``{"field": ["message", ...]}``."""
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict) and body, body
    for name, value in body.items():
        if name == "detail":
            assert isinstance(value, str) and value
        else:
            assert isinstance(value, list) and value, body
            assert all(isinstance(message, str) and message for message in value), body
    if key is not None:
        assert key in body, body
