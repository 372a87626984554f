"""Writes of ARI snapshots.

``autonomy_retention`` is computed here, not in ``save()``, so that the API and the
admin share one formula. Each save or delete fires ARI_SNAPSHOT_CREATED through the
model's signals (``aipal.cache.events``): nothing here touches the cache.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from django.utils import timezone

from ari.models import DIMENSIONS, ARISnapshot

__all__ = ["autonomy_retention", "snapshot_create", "snapshot_delete", "snapshot_refresh_retention"]

# NOTE: a higher reliance on AI lowers retention, so it enters the mean inverted.
_INVERTED = frozenset({"ai_reliance"})


def autonomy_retention(dimensions: Mapping[str, float]) -> float:
    """Return ``round(100 * mean(dimensions, with 1 - ai_reliance), 2)``."""
    values = [1.0 - dimensions[name] if name in _INVERTED else dimensions[name] for name in DIMENSIONS]
    return round(100 * math.fsum(values) / len(values), 2)


def snapshot_refresh_retention(*, snapshot: ARISnapshot) -> ARISnapshot:
    """Recompute ``snapshot.autonomy_retention`` from its dimensions (not saved)."""
    snapshot.autonomy_retention = autonomy_retention({name: getattr(snapshot, name) for name in DIMENSIONS})
    return snapshot


def snapshot_create(
    *,
    user_id: int,
    timestamp: datetime | None = None,
    task_description: str = "",
    task_complexity: str | None = None,
    **dimensions: float,
) -> ARISnapshot:
    """Store one snapshot of the seven ``dimensions``; ``timestamp`` defaults to now."""
    if set(dimensions) != set(DIMENSIONS):
        raise TypeError(f"snapshot_create() needs exactly the dimensions {DIMENSIONS}, got {sorted(dimensions)}")
    snapshot = ARISnapshot(
        user_id=user_id,
        timestamp=timestamp or timezone.now(),
        task_description=task_description,
        task_complexity=task_complexity,
        **dimensions,
    )
    snapshot_refresh_retention(snapshot=snapshot)
    snapshot.save()
    return snapshot


def snapshot_delete(*, snapshot: ARISnapshot) -> None:
    """Delete a snapshot; its successor's ``delta_agency`` re-chains when next read."""
    snapshot.delete()
