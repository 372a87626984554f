"""``cache_flush --user ID`` / ``--all`` / ``--family NAME``: drop cached entries of this app.

A user's flush bumps the user's generation first (so a fill racing with the flush
cannot store what it read before), then deletes the user's keys with SCAN + UNLINK.
``--family NAME`` (a KeySpec of ``aipal.cache.keys``, e.g. ``GOAL_LIST``) does the same
for one data set, of every user or, with ``--user``, of one (see
``cachehealth.families``). ``--all`` deletes every key under ``CACHE_KEY_PREFIX`` and
nothing else: never FLUSHDB, the Redis may be shared. The flushes themselves live in
``cachehealth.flushing``, shared with the admin cache page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aipal.cache import client, keys
from cachehealth.families import spec_named
from cachehealth.flushing import FlushTarget
from cachehealth.management.base import existing_user_id, require_redis, require_shared_cache


class Command(BaseCommand):
    help = (
        "Delete cached entries of one user (--user ID), of one key family (--family NAME, "
        "with --user for one user's) or every key of this app (--all)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--user", metavar="ID", help="Flush one user's entries (the API's user id).")
        target.add_argument("--all", action="store_true", help="Flush every key under CACHE_KEY_PREFIX.")
        parser.add_argument(
            "--family",
            metavar="NAME",
            help="Flush one key family (a KeySpec name such as GOAL_LIST, any case) of every user, or of --user.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count the keys that would go; delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"] and options["family"] is not None:
            raise CommandError("cache_flush: --all flushes every family already; give --family alone or --all.")
        if not (options["all"] or options["user"] is not None or options["family"] is not None):
            raise CommandError("cache_flush: give --user ID, --family NAME (optionally with --user) or --all.")
        spec = self._spec(options["family"])
        require_shared_cache("cache_flush")
        user_id = existing_user_id(options["user"]) if options["user"] is not None else None
        require_redis("cache_flush")
        target = FlushTarget(spec=spec, user_id=user_id)
        try:
            if options["dry_run"]:
                where = "" if spec is not None else f" (pattern {target.pattern})"
                self.stdout.write(f"Would delete {target.count()} keys of {target.scope}{where}.")
                return
            deleted = target.flush()
        except client.CacheUnavailable as exc:
            raise CommandError(f"cache_flush: Redis failed during the flush ({exc}).") from exc
        self.stdout.write(self.style.SUCCESS(f"Flushed {target.scope}: {deleted} keys deleted."))

    @staticmethod
    def _spec(name: str | None) -> keys.KeySpec | None:
        if name is None:
            return None
        try:
            return spec_named(name)
        except ValueError as exc:
            raise CommandError(f"cache_flush: {exc}.") from exc
