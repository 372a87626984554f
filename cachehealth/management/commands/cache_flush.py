"""``cache_flush --user ID`` / ``--all``: drop cached entries of one user or of this app.

A user's flush bumps the user's generation first (so a fill racing with the flush
cannot store what it read before), then deletes the user's keys with SCAN + UNLINK.
``--all`` deletes every key under ``CACHE_KEY_PREFIX`` and nothing else: never FLUSHDB,
the Redis may be shared.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aipal.cache import client, keys
from aipal.cache.invalidation import apply_now
from cachehealth.management.base import existing_user_id, require_redis, require_shared_cache


class Command(BaseCommand):
    help = "Delete cached entries of one user (--user ID) or every key of this app (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--user", metavar="ID", help="Flush one user's entries (the API's user id).")
        target.add_argument("--all", action="store_true", help="Flush every key under CACHE_KEY_PREFIX.")
        parser.add_argument("--dry-run", action="store_true", help="Count the keys that would go; delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        require_shared_cache("cache_flush")
        user_id = existing_user_id(options["user"]) if options["user"] is not None else None
        require_redis("cache_flush")
        pattern = keys.app_key_pattern() if user_id is None else keys.user_key_pattern(user_id)
        scope = "this app" if user_id is None else f"user {user_id}"
        try:
            if options["dry_run"]:
                count = sum(1 for _ in client.scan_keys(pattern))
                self.stdout.write(f"Would delete {count} keys of {scope} (pattern {pattern}).")
                return
            if user_id is not None and not apply_now(user_id, {keys.USER_GENERATION}):
                raise CommandError(f"cache_flush: could not invalidate {scope}: Redis failed.")
            deleted = client.scan_delete(pattern)
        except client.CacheUnavailable as exc:
            raise CommandError(f"cache_flush: Redis failed during the flush ({exc}).") from exc
        self.stdout.write(self.style.SUCCESS(f"Flushed {scope}: {deleted} keys deleted."))
