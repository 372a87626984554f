"""Cache warming: fill the default view of every cached GET of a user, so the next reads hit.

Each app's selectors declare their cached reads (``default_reads(*, user_id)`` returns
``CachedRead`` objects: key + loader), and warming fills them through the same
``get_or_fill`` the views use. The key a view reads and the key warming fills are
therefore one and the same, and a fill still loses to a concurrent write (generation
stamps), so warming can never store stale data.

NOTE: the modules are imported lazily, by dotted path, when warming runs: a module that
is missing or lacks ``default_reads`` fails loudly then, naming the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from knox.models import AuthToken
from rest_framework.exceptions import NotFound

from aipal.cache.aside import CachedRead, CacheStatus, get_or_fill
from ari.models import ARISnapshot
from goals.models import Goal
from tasks.models import Task

__all__ = ["DEFAULT_READ_MODULES", "WarmReport", "active_user_ids", "read_sources", "warm_user"]

# Every module whose ``default_reads(*, user_id)`` lists cached GETs of one user.
DEFAULT_READ_MODULES: tuple[str, ...] = (
    "aipal.accounts.selectors",
    "goals.selectors",
    "tasks.selectors",
    "ari.selectors",
    "aipal.dashboard.selectors",
)

ReadSource = Callable[..., Iterable[CachedRead]]


@dataclass
class WarmReport:
    """What warming one user did, read by read."""

    user_id: int
    filled: int = 0  # loaded from the database and stored (MISS)
    already_cached: int = 0  # served from Redis (HIT): nothing to do
    bypassed: int = 0  # Redis failed or caching is off: nothing stored
    not_found: int = 0  # the loader answered 404 (e.g. no ARI snapshot yet): skipped

    @property
    def total(self) -> int:
        return self.filled + self.already_cached + self.bypassed + self.not_found

    def add(self, other: WarmReport) -> None:
        self.filled += other.filled
        self.already_cached += other.already_cached
        self.bypassed += other.bypassed
        self.not_found += other.not_found


def read_sources(modules: Iterable[str] | None = None) -> list[ReadSource]:
    """Import each module's ``default_reads``; raise ImproperlyConfigured naming a missing one."""
    sources = []
    for path in DEFAULT_READ_MODULES if modules is None else modules:
        try:
            module = import_module(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"Cache warming needs {path}, which cannot be imported: {exc}") from exc
        source = getattr(module, "default_reads", None)
        if not callable(source):
            raise ImproperlyConfigured(
                f"Cache warming needs {path}.default_reads(*, user_id) -> list[CachedRead]; {path} has none."
            )
        sources.append(source)
    return sources


def warm_user(user_id: int, *, sources: Iterable[ReadSource] | None = None) -> WarmReport:
    """Fill every default cached read of ``user_id``; loaders answering 404 are skipped and counted."""
    report = WarmReport(user_id=user_id)
    for source in read_sources() if sources is None else sources:
        for read in source(user_id=user_id):
            try:
                served = get_or_fill(read.key, read.load)
            except NotFound:
                report.not_found += 1
                continue
            if served.status is CacheStatus.HIT:
                report.already_cached += 1
            elif served.status is CacheStatus.MISS:
                report.filled += 1
            else:
                report.bypassed += 1
    return report


def active_user_ids(*, since: datetime | None = None) -> list[int]:
    """Return the ids of users with ``is_active`` set, in id order; with ``since``, only those
    active since then: joined, signed in (a session login or a token issued), or with an ARI
    snapshot taken, a goal created or updated, or a task created, started or completed at or
    after ``since``.

    NOTE: ``last_login`` alone would miss API clients: only session and admin logins set it,
    ``POST /api/auth/token/`` issues a token without touching it. A revoked token (logout,
    a new password) is deleted, so its sign-in no longer counts.
    """
    users = get_user_model().objects.filter(is_active=True)
    if since is not None:
        tokens = AuthToken.objects.filter(user=OuterRef("pk"), created__gte=since)
        snapshots = ARISnapshot.objects.filter(user=OuterRef("pk"), timestamp__gte=since)
        goals = Goal.objects.filter(Q(created_at__gte=since) | Q(updated_at__gte=since), user=OuterRef("pk"))
        tasks = Task.objects.filter(
            Q(created_at__gte=since) | Q(started_at__gte=since) | Q(completed_at__gte=since), user=OuterRef("pk")
        )
        users = users.filter(
            Q(last_login__gte=since)
            | Q(date_joined__gte=since)
            | Exists(tokens)
            | Exists(snapshots)
            | Exists(goals)
            | Exists(tasks)
        )
    return list(users.order_by("pk").values_list("pk", flat=True))
