"""``cache_warm --user ID`` / ``--all-active``: fill every default cached GET so the next reads hit.

Warming goes through the views' own ``get_or_fill`` (see ``cachehealth.warming``), so it
stores exactly what a first read would and never overwrites a newer write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aipal.cache import stats
from aipal.cache.conf import cache_settings
from cachehealth.management.base import existing_user_id, require_redis, require_shared_cache
from cachehealth.warming import WarmReport, read_sources, warm_user


class Command(BaseCommand):
    help = "Fill the default view of every cached GET of one user (--user ID) or of every active user."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--user", metavar="ID", help="Warm one user's reads (the API's user id).")
        target.add_argument("--all-active", action="store_true", help="Warm every user with is_active set.")
        parser.add_argument("--dry-run", action="store_true", help="List the users that would be warmed.")

    def handle(self, *args: Any, **options: Any) -> None:
        require_shared_cache("cache_warm")
        if not cache_settings().enabled:
            raise CommandError("cache_warm: caching is disabled (CACHE_ENABLED=false); nothing to warm.")
        user_ids = self._user_ids(options)
        if options["dry_run"]:
            self.stdout.write(f"Would warm {len(user_ids)} users: {', '.join(map(str, user_ids)) or '-'}.")
            return
        try:
            sources = read_sources()
        except ImproperlyConfigured as exc:
            raise CommandError(f"cache_warm: {exc}") from exc
        require_redis("cache_warm")
        total = WarmReport(user_id=0)
        for user_id in user_ids:
            report = warm_user(user_id, sources=sources)
            total.add(report)
            self.stdout.write(self._describe(f"user {user_id}", report))
        # NOTE: shared totals are flushed at most once a second; a short-lived command
        # would otherwise lose its reads from the deployment's hit rate.
        stats.flush()
        self.stdout.write(self.style.SUCCESS(self._describe(f"{len(user_ids)} users", total)))
        if total.bypassed:
            raise CommandError(f"cache_warm: {total.bypassed} reads bypassed the cache (Redis failing).")

    @staticmethod
    def _user_ids(options: dict[str, Any]) -> list[int]:
        if options["user"] is not None:
            return [existing_user_id(options["user"])]
        active: Iterable[int] = (
            get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        return list(active)

    @staticmethod
    def _describe(who: str, report: WarmReport) -> str:
        return (
            f"{who}: {report.total} reads, {report.filled} filled, {report.already_cached} already cached, "
            f"{report.not_found} not found, {report.bypassed} bypassed"
        )
