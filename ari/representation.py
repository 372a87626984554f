"""A snapshot as the API shows it, built from a row (``values()``) or a model instance.

Plain functions rather than DRF serializers on the read path: a miss renders up to a
thousand rows, and a ModelSerializer costs tens of microseconds a row. The serializers
of ``ari.api.serializers`` describe the same shape for the OpenAPI document; a test
keeps the two identical.
"""

from __future__ import annotations

from typing import Any

from aipal.timefmt import iso
from ari.models import DIMENSIONS

__all__ = ["COLUMNS", "snapshot_data"]

# What a snapshot row must hold (``delta_agency`` is annotated by the selectors).
COLUMNS = (
    "id",
    "user_id",
    "timestamp",
    *DIMENSIONS,
    "autonomy_retention",
    "delta_agency",
    "task_description",
    "task_complexity",
)


def snapshot_data(row: dict[str, Any]) -> dict[str, Any]:
    """The API's snapshot: timestamps in UTC with ``Z``, ``delta_agency`` to 2 decimals."""
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "timestamp": iso(row["timestamp"]),
        **{name: row[name] for name in DIMENSIONS},
        "autonomy_retention": row["autonomy_retention"],
        "delta_agency": round(float(row["delta_agency"]), 2) + 0.0,  # + 0.0: no "-0.0"
        "task_description": row["task_description"],
        "task_complexity": row["task_complexity"],
    }
