"""The admin cache page (``/admin/cache/``): health, key families, one user's entries, flushes.

Staff only: ``cachehealth.admin_urls`` wraps every view in ``admin.site.admin_view``
(a login redirect for anonymous and non-staff users, CSRF on POST). A flush is a GET
that shows what would go and a confirm button, then a POST that runs the same
``FlushTarget`` as ``cache_flush`` and records it in the admin log (``LogEntry``).

NOTE: a log entry needs a content type; a flush has no model row, so it is recorded
against the cache app's model (``PendingInvalidation``) with no object id, the scope in
``object_repr`` and the outcome in ``change_message``: it shows in the admin's "Recent
actions" without a link to a row that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from aipal.cache import client, stats
from aipal.cache.models import PendingInvalidation
from cachehealth.admin_selectors import key_families, user_entries
from cachehealth.families import family_names, spec_named
from cachehealth.flushing import FlushTarget
from cachehealth.health import check_health
from cachehealth.management.commands.cache_stats import family_totals

__all__ = ["cache_flush", "cache_overview", "cache_user"]

SCOPES = ("user", "family", "all")
_MAX_ID = 2**63 - 1


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, "family_names": family_names(), **extra}


def _user_id(value: str | None) -> int:
    """Return a positive integer id from a form field, else raise ValueError with a message."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= _MAX_ID:
        raise ValueError(f"A user id is a positive integer, got {text!r}." if text else "Give a user id.")
    return int(text)


def _hit_rates() -> tuple[dict[str, dict[str, int]], dict[str, int] | None]:
    """Return per-family and overall shared hit/miss totals (None when Redis fails)."""
    try:
        totals = stats.shared_totals()
    except client.CacheUnavailable:
        return {}, None
    rows = {
        name: {**counts, "total": counts["hits"] + counts["misses"]} for name, counts in family_totals(totals).items()
    }
    return rows, {"hits": totals.get("hits", 0), "misses": totals.get("misses", 0)}


@require_GET
def cache_overview(request: HttpRequest) -> HttpResponse:
    """Show the health figures, hit rates and the app's keys by family."""
    health = check_health()
    try:
        families, families_error = key_families(), ""
    except client.CacheUnavailable as exc:
        families, families_error = None, str(exc) or "Redis is unreachable"
    per_family, totals = _hit_rates()
    context = _context(
        request,
        "Cache",
        health=health,
        families=families,
        families_error=families_error,
        per_family=per_family,
        totals=totals,
    )
    return TemplateResponse(request, "admin/cache/overview.html", context)


@require_GET
def cache_user(request: HttpRequest) -> HttpResponse:
    """Show one user's keys (``?user=ID``): TTL, size and a preview of each cached response."""
    context = _context(request, "Cache entries of one user", user_value=request.GET.get("user", ""))
    if "user" not in request.GET:
        return TemplateResponse(request, "admin/cache/user.html", context)
    try:
        user_id = _user_id(request.GET["user"])
        context.update(user_id=user_id, listing=user_entries(user_id=user_id))
    except ValueError as exc:
        context["error"] = str(exc)
        return TemplateResponse(request, "admin/cache/user.html", context, status=400)
    except client.CacheUnavailable as exc:
        context["error"] = f"Redis is unreachable ({exc}); no entries can be listed."
        return TemplateResponse(request, "admin/cache/user.html", context, status=503)
    return TemplateResponse(request, "admin/cache/user.html", context)


def _target(scope: str, data: QueryDict) -> FlushTarget:
    """Return what a flush form names; raise ValueError with a message for bad input."""
    if scope == "user":
        return FlushTarget(user_id=_user_id(data.get("user")))
    if scope == "family":
        return FlushTarget(spec=spec_named(data.get("family") or ""))
    if scope == "all":
        return FlushTarget()
    raise ValueError(f"Unknown flush scope {scope!r}: one of {', '.join(SCOPES)}.")


def _log(request: HttpRequest, target: FlushTarget, deleted: int) -> None:
    LogEntry.objects.create(
        user_id=request.user.pk,
        content_type=ContentType.objects.get_for_model(PendingInvalidation, for_concrete_model=False),
        object_id=None,
        object_repr=f"cache of {target.scope}"[:200],
        action_flag=DELETION,
        change_message=f"Flushed {target.scope}: {deleted} keys deleted.",
    )


@require_http_methods(["GET", "POST"])
def cache_flush(request: HttpRequest, scope: str) -> HttpResponse:
    """GET: show what a flush would delete and a confirm button. POST: flush, log, go back."""
    data = request.POST if request.method == "POST" else request.GET
    context = _context(request, "Flush cached entries", scope=scope, data=data)
    try:
        target = _target(scope, data)
    except ValueError as exc:
        context["error"] = str(exc)
        return TemplateResponse(request, "admin/cache/confirm_flush.html", context, status=400)
    context["target"] = target
    try:
        if request.method == "GET":
            context["count"] = target.count()
            return TemplateResponse(request, "admin/cache/confirm_flush.html", context)
        deleted = target.flush()
    except client.CacheUnavailable as exc:
        context["error"] = f"Redis failed ({exc}); nothing was flushed, or not all of it: try again."
        return TemplateResponse(request, "admin/cache/confirm_flush.html", context, status=503)
    _log(request, target, deleted)
    messages.success(request, f"Flushed {target.scope}: {deleted} keys deleted.")
    return HttpResponseRedirect(reverse("cacheadmin:overview"))
