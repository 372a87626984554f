"""What an operator can flush: one user's entries, one key family, or every key of this app.

``cache_flush`` and the admin cache page (``cachehealth.admin_views``) both describe,
count and run a flush through ``FlushTarget``, so the command and the page delete the
same keys in the same order:

- a user: the user's generation is bumped first (a fill racing with the flush cannot
  store what it read before), then every key of the user goes (SCAN + UNLINK);
- a family (of every user, or of one): see ``cachehealth.families.family_flush``;
- the app: every key under ``CACHE_KEY_PREFIX`` and nothing else; never FLUSHDB, the
  Redis may be shared.

Off the request path only: each SCAN costs O(keys of the Redis).
"""

from __future__ import annotations

from dataclasses import dataclass

from aipal.cache import client, keys
from aipal.cache.invalidation import apply_now
from cachehealth.families import family_flush, family_keys, family_pattern

__all__ = ["FlushTarget"]


@dataclass(frozen=True)
class FlushTarget:
    """The keys one flush deletes: a family (``spec``), a user's, both, or (neither) the app's."""

    spec: keys.KeySpec | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        if self.user_id is not None:
            keys.user_key_pattern(self.user_id)  # validates the id (ValueError)

    @property
    def scope(self) -> str:
        """Say what goes, e.g. ``family GOAL_LIST of every user``, ``user 5``, ``this app``."""
        if self.spec is not None:
            return f"family {self.spec.name} of " + ("every user" if self.user_id is None else f"user {self.user_id}")
        return "this app" if self.user_id is None else f"user {self.user_id}"

    @property
    def pattern(self) -> str:
        """The SCAN pattern the flush starts from (a family's keys are then matched exactly)."""
        if self.spec is not None:
            return family_pattern(self.spec, user_id=self.user_id)
        return keys.app_key_pattern() if self.user_id is None else keys.user_key_pattern(self.user_id)

    def count(self) -> int:
        """Return how many keys the flush would delete now; raise CacheUnavailable when Redis fails."""
        if self.spec is not None:
            return len(family_keys(self.spec, user_id=self.user_id))
        return sum(1 for _ in client.scan_keys(self.pattern))

    def flush(self) -> int:
        """Invalidate, then delete the keys; return how many were deleted.

        Raise CacheUnavailable when Redis fails (before any delete when the invalidation failed).
        """
        if self.spec is not None:
            return family_flush(spec=self.spec, user_id=self.user_id)
        if self.user_id is not None and not apply_now(self.user_id, {keys.USER_GENERATION}):
            raise client.CacheUnavailable(f"could not invalidate {self.scope}: Redis failed")
        return client.scan_delete(self.pattern)
