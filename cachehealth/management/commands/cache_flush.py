"""``cache_flush --user ID`` / ``--all`` / ``--family NAME``: drop cached entries of this app.

A user's flush bumps the user's generation first (so a fill racing with the flush
cannot store what it read before), then deletes the user's keys with SCAN + UNLINK.
``--family NAME`` (a KeySpec of ``aipal.cache.keys``, e.g. ``GOAL_LIST``) does the same
for one data set, of every user or, with ``--user``, of one (see
``cachehealth.families``). ``--all`` deletes every key under ``CACHE_KEY_PREFIX`` and
nothing else: never FLUSHDB, the Redis may be shared.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aipal.cache import client, keys
from aipal.cache.invalidation import apply_now
from cachehealth.families import family_flush, family_keys, spec_named
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
        try:
            if spec is not None:
                self._flush_family(spec, user_id, dry_run=options["dry_run"])
            else:
                self._flush(user_id, dry_run=options["dry_run"])
        except client.CacheUnavailable as exc:
            raise CommandError(f"cache_flush: Redis failed during the flush ({exc}).") from exc

    @staticmethod
    def _spec(name: str | None) -> keys.KeySpec | None:
        if name is None:
            return None
        try:
            return spec_named(name)
        except ValueError as exc:
            raise CommandError(f"cache_flush: {exc}.") from exc

    def _flush(self, user_id: int | None, *, dry_run: bool) -> None:
        pattern = keys.app_key_pattern() if user_id is None else keys.user_key_pattern(user_id)
        scope = "this app" if user_id is None else f"user {user_id}"
        if dry_run:
            count = sum(1 for _ in client.scan_keys(pattern))
            self.stdout.write(f"Would delete {count} keys of {scope} (pattern {pattern}).")
            return
        if user_id is not None and not apply_now(user_id, {keys.USER_GENERATION}):
            raise CommandError(f"cache_flush: could not invalidate {scope}: Redis failed.")
        deleted = client.scan_delete(pattern)
        self.stdout.write(self.style.SUCCESS(f"Flushed {scope}: {deleted} keys deleted."))

    def _flush_family(self, spec: keys.KeySpec, user_id: int | None, *, dry_run: bool) -> None:
        scope = f"family {spec.name} of " + ("every user" if user_id is None else f"user {user_id}")
        if dry_run:
            count = len(family_keys(spec, user_id=user_id))
            self.stdout.write(f"Would delete {count} keys of {scope}.")
            return
        deleted = family_flush(spec=spec, user_id=user_id)
        self.stdout.write(self.style.SUCCESS(f"Flushed {scope}: {deleted} keys deleted."))
