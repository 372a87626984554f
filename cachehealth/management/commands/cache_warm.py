"""``cache_warm --user ID`` / ``--all-active [--since WHEN]``: fill every default cached GET so the
next reads hit.

Warming goes through the views' own ``get_or_fill`` (see ``cachehealth.warming``), so it
stores exactly what a first read would and never overwrites a newer write. The number of
users comes first; on a terminal a progress bar follows, elsewhere (logs, pipes) one
line per user.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aipal.cache import stats
from aipal.cache.conf import cache_settings
from cachehealth.management.base import existing_user_id, parse_since, require_redis, require_shared_cache
from cachehealth.warming import WarmReport, active_user_ids, read_sources, warm_user

BAR_WIDTH = 30


def users(count: int) -> str:
    """Return ``1 user`` / ``N users``."""
    return f"{count} user" if count == 1 else f"{count} users"


class Command(BaseCommand):
    help = "Fill the default view of every cached GET of one user (--user ID) or of every active user."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--user", metavar="ID", help="Warm one user's reads (the API's user id).")
        target.add_argument("--all-active", action="store_true", help="Warm every user with is_active set.")
        parser.add_argument(
            "--since",
            metavar="WHEN",
            help="With --all-active: only users active since this ISO date or datetime (joined, logged in, "
            "issued an API token, or an ARI snapshot, goal or task created or changed).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the users that would be warmed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["since"] is not None and not options["all_active"]:
            raise CommandError("cache_warm: --since selects among active users; use it with --all-active.")
        since = None if options["since"] is None else parse_since(options["since"])
        require_shared_cache("cache_warm")
        if not cache_settings().enabled:
            raise CommandError("cache_warm: caching is disabled (CACHE_ENABLED=false); nothing to warm.")
        user_ids = [existing_user_id(options["user"])] if options["user"] is not None else active_user_ids(since=since)
        if options["dry_run"]:
            self.stdout.write(f"Would warm {users(len(user_ids))}: {', '.join(map(str, user_ids)) or '-'}.")
            return
        try:
            sources = read_sources()
        except ImproperlyConfigured as exc:
            raise CommandError(f"cache_warm: {exc}") from exc
        require_redis("cache_warm")
        self.stdout.write(f"Warming {users(len(user_ids))} ...")
        total = WarmReport(user_id=0)
        bar = self.stdout.isatty()
        for done, user_id in enumerate(user_ids, start=1):
            report = warm_user(user_id, sources=sources)
            total.add(report)
            if bar:
                self._progress(done, len(user_ids))
            else:
                self.stdout.write(self._describe(f"user {user_id}", report))
        if bar and user_ids:
            self.stdout.write("")  # ends the bar's line
        # NOTE: shared totals are flushed at most once a second; a short-lived command
        # would otherwise lose its reads from the deployment's hit rate.
        stats.flush()
        self.stdout.write(self.style.SUCCESS(self._describe(users(len(user_ids)), total)))
        if total.bypassed:
            raise CommandError(f"cache_warm: {total.bypassed} reads bypassed the cache (Redis failing).")

    def _progress(self, done: int, count: int) -> None:
        """Redraw the bar in place (carriage return, no newline)."""
        filled = BAR_WIDTH * done // count
        self.stdout.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{count}", ending="")
        self.stdout.flush()

    @staticmethod
    def _describe(who: str, report: WarmReport) -> str:
        return (
            f"{who}: {report.total} reads, {report.filled} filled, {report.already_cached} already cached, "
            f"{report.not_found} not found, {report.bypassed} bypassed"
        )
