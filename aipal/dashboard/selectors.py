"""The dashboard of one user, assembled from ARI, goal and task data in two queries.

The latest snapshot (with its ``delta_agency``) is one query; every other figure (the
snapshot count and mean, the retention a week ago, goals and tasks by status) is one
SQL statement, each part bounded by an index on the user.

NOTE: that statement is written in SQL: built with the ORM (ten subqueries) it cost
about 8 ms of CPU per miss to compile, for a query PostgreSQL runs in 0.3 ms.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework.exceptions import NotFound

from aipal.cache.aside import CachedRead
from aipal.cache.keys import DASHBOARD
from aipal.timefmt import iso
from ari.models import ARISnapshot
from ari.selectors import ari_latest
from goals.models import Goal, GoalStatus
from tasks.models import Task, TaskStatus

TREND_WINDOW = timedelta(days=7)


@cache
def _figures_sql() -> str:
    """One statement: snapshot count, mean, the retention a week ago, goals and tasks by status."""
    snapshots, goals, tasks = ARISnapshot._meta.db_table, Goal._meta.db_table, Task._meta.db_table
    by_status = "count(*) FILTER (WHERE status = %s)"
    return (
        f"SELECT (SELECT count(*) FROM {snapshots} WHERE user_id = %s),"  # noqa: S608  (table names, not input)
        f" (SELECT avg(autonomy_retention) FROM {snapshots} WHERE user_id = %s),"
        f" (SELECT autonomy_retention FROM {snapshots} WHERE user_id = %s AND timestamp <= %s"
        "   ORDER BY timestamp DESC, id DESC LIMIT 1),"
        f" g.*, t.* FROM (SELECT {', '.join([by_status] * len(GoalStatus.values))} FROM {goals} WHERE user_id = %s) g,"
        f" (SELECT {', '.join([by_status] * len(TaskStatus.values))} FROM {tasks} WHERE user_id = %s) t"
    )


def _figures(*, user_id: int) -> dict[str, Any]:
    """Every figure but the latest snapshot, in one query."""
    params = [user_id, user_id, user_id, timezone.now() - TREND_WINDOW, *GoalStatus.values, user_id]
    params += [*TaskStatus.values, user_id]
    with connection.cursor() as cursor:
        cursor.execute(_figures_sql(), params)
        count, average, week_ago, *by_status = cursor.fetchone()
    goals, tasks = by_status[: len(GoalStatus.values)], by_status[len(GoalStatus.values) :]
    return {
        "ari_count": count,
        "ari_average": average,
        "ari_week_ago": week_ago,
        "goals": dict(zip(GoalStatus.values, goals, strict=True)),
        "tasks": dict(zip(TaskStatus.values, tasks, strict=True)),
    }


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
        "goals": figures["goals"],
        "tasks": figures["tasks"],
        "generated_at": iso(timezone.now()),
    }


def dashboard_read(*, user_id: int) -> CachedRead:
    return CachedRead(DASHBOARD.key(user_id=user_id), lambda: dashboard(user_id=user_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The cached dashboard GET of one user (what ``cache_warm`` fills)."""
    return [dashboard_read(user_id=user_id)]
