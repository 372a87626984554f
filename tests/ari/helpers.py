"""Shared helpers of the ARI tests: a valid snapshot body and URL builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

DIMENSIONS_BODY: dict[str, float] = {
    "decision_quality": 0.9,
    "skill_development": 0.8,
    "ai_reliance": 0.3,
    "bottleneck_resolution": 0.6,
    "user_confidence": 0.7,
    "engagement": 0.5,
    "autonomy_perception": 0.4,
}
# round(100 * mean(0.9, 0.8, 1 - 0.3, 0.6, 0.7, 0.5, 0.4), 2)
DIMENSIONS_RETENTION = 65.71


def body(**overrides: Any) -> dict[str, Any]:
    return {**DIMENSIONS_BODY, **overrides}


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def ari_url(user_id: int, suffix: str = "") -> str:
    return f"/api/users/{user_id}/ari{suffix}"


def predictions_url(user_id: int) -> str:
    return f"/api/users/{user_id}/predictions"
