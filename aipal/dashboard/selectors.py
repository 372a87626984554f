"""The dashboard of one user, assembled from ARI, goal and task data in two queries.

The latest snapshot (with its ``delta_agency``) is one query; every other figure (the
snapshot count and mean, the retention a week ago, goals and tasks by status) is a
scalar subquery of a second, each bounded by an index on the user.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import NotFound

from aipal.api.timefmt import iso
from aipal.cache.aside import CachedRead
from aipal.cache.keys import DASHBOARD
from ari.models import ARISnapshot
from ari.selectors import NEWEST_FIRST, ari_latest
from goals.models import Goal, GoalStatus
from tasks.models import Task, TaskStatus

TREND_WINDOW = timedelta(days=7)


def _per_user(queryset: QuerySet, value: Any) -> Subquery:
    """One figure of the user's rows of ``queryset`` (an aggregate, grouped by user)."""
    rows = queryset.filter(user_id=OuterRef("pk")).order_by().values("user_id")
    return Subquery(rows.annotate(value=value).values("value")[:1])


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(_per_user(queryset, Count("id")), Value(0), output_field=IntegerField())


def _figures(*, user_id: int) -> dict[str, Any]:
    """Every figure but the latest snapshot, in one query."""
    week_ago = (
        ARISnapshot.objects.filter(user_id=OuterRef("pk"), timestamp__lte=timezone.now() - TREND_WINDOW)
        .order_by(*NEWEST_FIRST)
        .values("autonomy_retention")[:1]
    )
    snapshots = ARISnapshot.objects.all()
    figures = {
        "ari_count": _count(snapshots),
        "ari_average": _per_user(snapshots, Avg("autonomy_retention")),
        "ari_week_ago": Subquery(week_ago),
        **{f"goals_{s}": _count(Goal.objects.filter(status=s)) for s in GoalStatus.values},
        **{f"tasks_{s}": _count(Task.objects.filter(status=s)) for s in TaskStatus.values},
    }
    row = get_user_model().objects.filter(pk=user_id).annotate(**figures).values(*figures).first()
    return row or {name: 0 if name.startswith(("goals_", "tasks_", "ari_count")) else None for name in figures}


def dashboard(*, user_id: int) -> dict[str, Any]:
    """Return the dashboard of one user (API.md "Dashboard")."""
    try:
        latest = ari_latest(user_id=user_id)
    except NotFound:
        latest = None
    figures = _figures(user_id=user_id)
    average, week_ago = figures["ari_average"], figures["ari_week_ago"]
    delta_7d = None
    if latest is not None and week_ago is not None:
        delta_7d = round(latest["autonomy_retention"] - week_ago, 2)
    return {
        "user_id": user_id,
        "latest_ari": latest,
        "ari_trend": {
            "count": figures["ari_count"],
            "average_autonomy_retention": round(average, 2) if average is not None else None,
            "delta_7d": delta_7d,
        },
        "goals": {status: figures[f"goals_{status}"] for status in GoalStatus.values},
        "tasks": {status: figures[f"tasks_{status}"] for status in TaskStatus.values},
        "generated_at": iso(timezone.now()),
    }


def dashboard_read(*, user_id: int) -> CachedRead:
    return CachedRead(DASHBOARD.key(user_id=user_id), lambda: dashboard(user_id=user_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The cached dashboard GET of one user (what ``cache_warm`` fills)."""
    return [dashboard_read(user_id=user_id)]
