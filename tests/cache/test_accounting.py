"""Every invalidation is counted (applied, failed, replayed, with its lag); TTLs carry jitter."""

from __future__ import annotations

import pytest

from aipal.cache import client, epoch, recovery, stats
from aipal.cache.aside import get_or_fill
from aipal.cache.invalidation import apply_now
from aipal.cache.keys import GOAL_LIST
from aipal.cache.models import PendingInvalidation
from tests.conftest import free_port, point_cache_at

pytestmark = pytest.mark.django_db


def _delta(before: dict[str, int], name: str) -> int:
    return stats.snapshot().get(name, 0) - before.get(name, 0)


def test_applied_failed_and_replayed_are_counted(settings):
    before = stats.snapshot()
    assert apply_now(7, {"GOAL_LIST"})
    assert _delta(before, "invalidations_applied") == 1
    assert stats.INVALIDATION_LAG._value.get() >= 0  # noqa: SLF001 - the gauge's current value

    cache = settings.CACHES["default"]
    point_cache_at(settings, f"redis://127.0.0.1:{free_port()}/0")
    assert not apply_now(7, {"GOAL_LIST"})
    assert _delta(before, "invalidations_failed") == 1
    assert PendingInvalidation.objects.count() == 1

    settings.CACHES = {"default": cache}
    client.reset_breaker()
    epoch.forget()
    assert recovery.replay()
    assert _delta(before, "invalidations_replayed") == 1
    assert PendingInvalidation.objects.count() == 0


def test_entries_expire_within_ten_percent_below_their_ttl():
    ttls = []
    for user_id in range(1, 41):
        key = GOAL_LIST.key(user_id=user_id, variant={"status": "active", "limit": 100})
        get_or_fill(key, lambda: [])
        ttls.append(client.redis_client().pttl(key.names(client.server_run_id()).entry))
    full = GOAL_LIST.ttl_seconds() * 1000
    assert all(0.9 * full - 50 <= ttl <= full for ttl in ttls), ttls
    assert len(set(ttls)) > 10  # spread out, not one expiry moment
