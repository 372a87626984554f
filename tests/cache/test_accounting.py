"""Every invalidation is counted (applied, failed, replayed, with its lag); TTLs carry jitter."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

from aipal.cache import client, epoch, invalidation, recovery, stats
from aipal.cache.aside import get_or_fill
from aipal.cache.invalidation import apply_now
from aipal.cache.keys import GOAL_LIST
from aipal.cache.models import PendingInvalidation
from tests.conftest import free_port, point_cache_at
from tests.topology import key_names

pytestmark = pytest.mark.django_db


def _delta(before: dict[str, int], name: str) -> int:
    return stats.snapshot().get(name, 0) - before.get(name, 0)


def _lag_ms() -> float | None:
    return REGISTRY.get_sample_value("cache_invalidation_lag_ms")


def test_applied_failed_and_replayed_are_counted(settings, monkeypatch):
    stats.INVALIDATION_LAG.set(-1)
    before = stats.snapshot()
    with monkeypatch.context() as patch:
        # The bump takes 12.5 ms by the clock the lag is measured with.
        ticks = iter([100.0, 100.0125])
        patch.setattr(invalidation, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
        assert apply_now(7, {"GOAL_LIST"})
    assert _delta(before, "invalidations_applied") == 1
    assert _lag_ms() == pytest.approx(12.5)

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
        ttls.append(client.redis_client().pttl(key_names(key).entry))
    full = GOAL_LIST.ttl_seconds() * 1000
    assert all(0.9 * full - 50 <= ttl <= full for ttl in ttls), ttls
    assert len(set(ttls)) > 10  # spread out, not one expiry moment
