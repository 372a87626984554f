"""The dashboard of one user, assembled from ARI, goal and task data in five queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count
from django.utils import timezone
from rest_framework.exceptions import NotFound

from aipal.api.timefmt import iso
from aipal.cache.aside import CachedRead
from aipal.cache.keys import DASHBOARD
from ari.models import ARISnapshot
from ari.selectors import ari_latest
from goals.models import Goal, GoalStatus
from tasks.models import Task, TaskStatus

TREND_WINDOW = timedelta(days=7)


def _counts_by_status(queryset: Any, statuses: list[str]) -> dict[str, int]:
    found = dict(queryset.values_list("status").annotate(n=Count("id")).order_by())
    return {status: found.get(status, 0) for status in statuses}


def _ari_trend(*, user_id: int, latest: dict[str, Any] | None) -> dict[str, Any]:
    snapshots = ARISnapshot.objects.filter(user_id=user_id)
    totals = snapshots.aggregate(count=Count("id"), average=Avg("autonomy_retention"))
    delta_7d = None
    if latest is not None:
        before = (
            snapshots.filter(timestamp__lte=timezone.now() - TREND_WINDOW)
            .order_by("-timestamp", "-id")
            .values_list("autonomy_retention", flat=True)
            .first()
        )
        if before is not None:
            delta_7d = round(latest["autonomy_retention"] - before, 2)
    average = totals["average"]
    return {
        "count": totals["count"],
        "average_autonomy_retention": round(average, 2) if average is not None else None,
        "delta_7d": delta_7d,
    }


def dashboard(*, user_id: int) -> dict[str, Any]:
    """Return the dashboard of one user (API.md "Dashboard")."""
    try:
        latest = ari_latest(user_id=user_id)
    except NotFound:
        latest = None
    return {
        "user_id": user_id,
        "latest_ari": latest,
        "ari_trend": _ari_trend(user_id=user_id, latest=latest),
        "goals": _counts_by_status(Goal.objects.filter(user_id=user_id), GoalStatus.values),
        "tasks": _counts_by_status(Task.objects.filter(user_id=user_id), TaskStatus.values),
        "generated_at": iso(timezone.now()),
    }


def dashboard_read(*, user_id: int) -> CachedRead:
    return CachedRead(DASHBOARD.key(user_id=user_id), lambda: dashboard(user_id=user_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The cached dashboard GET of one user (what ``cache_warm`` fills)."""
    return [dashboard_read(user_id=user_id)]
