"""Reads of ARI snapshots and predictions, returning JSON-ready data.

``delta_agency`` is not stored: each row's previous snapshot (in ``(timestamp, id)``
order) is found by a correlated subquery in the same query, so it reflects the data
as it stands when read, a history range never cuts off the row before its first
result, and a list costs one query however long it is.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.db.models import F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import NotFound

from aipal.api.params import DEFAULT_LIMIT
from aipal.cache.aside import CachedRead
from aipal.cache.keys import ARI_HISTORY, ARI_LATEST, PREDICTIONS
from aipal.timefmt import iso
from ari.models import ARISnapshot
from ari.predictions import fit_trend
from ari.representation import COLUMNS, snapshot_data

__all__ = [
    "PREDICTION_WINDOW",
    "ari_history",
    "ari_history_read",
    "ari_latest",
    "ari_latest_read",
    "default_reads",
    "predictions",
    "predictions_read",
    "snapshot_detail",
    "snapshot_get",
    "snapshots_with_delta",
]

PREDICTION_WINDOW = 30
NEWEST_FIRST = ("-timestamp", "-id")


def _retention_before(user_id: Any, timestamp: Any, pk: Any) -> QuerySet[ARISnapshot]:
    """The retention of the snapshot just before ``(timestamp, pk)`` of one user (values or
    OuterRefs), written so the (user, timestamp, id) index bounds the scan."""
    return (
        ARISnapshot.objects.filter(user_id=user_id, timestamp__lte=timestamp)
        .filter(Q(timestamp__lt=timestamp) | Q(id__lt=pk))
        .order_by(*NEWEST_FIRST)
        .values_list("autonomy_retention", flat=True)[:1]
    )


def snapshots_with_delta() -> QuerySet[ARISnapshot]:
    """Snapshots annotated with ``delta_agency`` against the user's previous snapshot (0 for the first).

    A clone of a queryset built once: rebuilding the subquery cost every read, and a
    shared queryset evaluated by one caller would cache its rows for all.
    """
    return _snapshots_with_delta().all()


@cache
def _snapshots_with_delta() -> QuerySet[ARISnapshot]:
    previous = _retention_before(OuterRef("user_id"), OuterRef("timestamp"), OuterRef("id"))
    return ARISnapshot.objects.annotate(
        delta_agency=Coalesce(
            F("autonomy_retention") - Subquery(previous, output_field=FloatField()),
            Value(0.0),
            output_field=FloatField(),
        )
    )


def snapshot_get(*, user_id: int, snapshot_id: int) -> ARISnapshot:
    """Return one of the user's snapshots (without ``delta_agency``), or raise 404."""
    snapshot = ARISnapshot.objects.filter(user_id=user_id, pk=snapshot_id).first()
    if snapshot is None:
        raise NotFound("ARI snapshot not found.")
    return snapshot


def snapshot_detail(*, snapshot: ARISnapshot) -> dict[str, Any]:
    """Return a snapshot just written as the API shows it: only its predecessor's retention is read."""
    previous = _retention_before(snapshot.user_id, snapshot.timestamp, snapshot.pk).first()
    snapshot.delta_agency = 0.0 if previous is None else snapshot.autonomy_retention - previous
    return snapshot_data({name: getattr(snapshot, name) for name in COLUMNS})


def ari_latest(*, user_id: int) -> dict[str, Any]:
    """Return the user's latest snapshot by ``(timestamp, id)``, or raise 404."""
    row = snapshots_with_delta().filter(user_id=user_id).order_by(*NEWEST_FIRST).values(*COLUMNS).first()
    if row is None:
        raise NotFound("No ARI snapshot yet.")
    return snapshot_data(row)


def ari_history(
    *, user_id: int, limit: int = DEFAULT_LIMIT, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Return up to ``limit`` snapshots in ``[since, until)``, newest first."""
    snapshots = snapshots_with_delta().filter(user_id=user_id)
    if since is not None:
        snapshots = snapshots.filter(timestamp__gte=since)
    if until is not None:
        snapshots = snapshots.filter(timestamp__lt=until)
    results = [snapshot_data(row) for row in snapshots.order_by(*NEWEST_FIRST).values(*COLUMNS)[:limit]]
    return {"user_id": user_id, "count": len(results), "results": results}


def predictions(*, user_id: int) -> dict[str, Any]:
    """Return the retention trend over the user's latest ``PREDICTION_WINDOW`` snapshots."""
    points = list(
        ARISnapshot.objects.filter(user_id=user_id)
        .order_by(*NEWEST_FIRST)
        .values_list("timestamp", "autonomy_retention")[:PREDICTION_WINDOW]
    )
    trend = fit_trend(points)
    return {
        "user_id": user_id,
        "based_on": len(points),
        "trend_per_day": trend.trend_per_day,
        "next_autonomy_retention": trend.next_autonomy_retention,
        "confidence": trend.confidence,
        "generated_at": iso(timezone.now()),
    }


def ari_latest_read(*, user_id: int) -> CachedRead:
    return CachedRead(ARI_LATEST.key(user_id=user_id), lambda: ari_latest(user_id=user_id))


def ari_history_read(
    *, user_id: int, limit: int = DEFAULT_LIMIT, since: datetime | None = None, until: datetime | None = None
) -> CachedRead:
    """The cached history; bounds enter the key as UTC ISO (``Z``), one key per instant."""
    variant = {"limit": limit, "since": iso(since), "until": iso(until)}
    key = ARI_HISTORY.key(user_id=user_id, variant=variant)
    return CachedRead(key, lambda: ari_history(user_id=user_id, limit=limit, since=since, until=until))


def predictions_read(*, user_id: int) -> CachedRead:
    return CachedRead(PREDICTIONS.key(user_id=user_id), lambda: predictions(user_id=user_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The default view of every cached ARI GET of one user (what ``cache_warm`` fills).

    The latest-snapshot read answers 404 (``NotFound``) for a user without snapshots;
    warming skips it, and a 404 is never cached.
    """
    return [ari_latest_read(user_id=user_id), ari_history_read(user_id=user_id), predictions_read(user_id=user_id)]
