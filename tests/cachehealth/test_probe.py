"""The invalidation probe: through the write path, one entry per process, overlapping checks,
refused fills, and no writes while the cache is off."""

from __future__ import annotations

import logging
import threading

import pytest

from aipal.cache import client, invalidation, keys
from cachehealth import probe
from cachehealth.health import CacheHealthChecker, HealthStatus
from cachehealth.probe import PROBE_USER_ID, InvalidationCheck, probe_invalidation

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_ping(monkeypatch):
    monkeypatch.setattr(client, "ping", lambda: 1.0)


def test_the_probe_passes_through_the_write_path_and_logs_nothing(monkeypatch, caplog, redis_round_trips):
    applied = []
    real_apply_all = invalidation.apply_all
    monkeypatch.setattr(
        invalidation,
        "apply_all",
        lambda per_user, *args, **kwargs: (
            applied.append((per_user, args, kwargs)) or real_apply_all(per_user, **kwargs)
        ),
    )
    with caplog.at_level(logging.DEBUG, logger="aipal.cache.invalidation"):
        assert probe_invalidation() is InvalidationCheck.OK
        redis_round_trips.clear()  # the first probe also learns the run_id and loads the scripts
        assert probe_invalidation() is InvalidationCheck.OK  # the next poll as well
    assert [(list(per_user), args, kwargs) for per_user, args, kwargs in applied] == [
        ([PROBE_USER_ID], (), {"check": True})
    ] * 2
    assert caplog.records == []
    assert len(redis_round_trips) == 5  # read, fill, read, bump, read


def test_a_probe_that_survives_the_bump_fails_in_warnings_not_in_status(monkeypatch, anon_api, fast_ping):
    monkeypatch.setattr(client, "bump_generations", lambda per_user, **kwargs: None)
    assert probe_invalidation() is InvalidationCheck.FAILED
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 200
    body = response.json()
    assert (body["invalidation"], body["status"]) == ("failed", "healthy")
    assert any("invalidation probe failed" in warning for warning in body["warnings"])


def test_overlapping_probes_of_two_processes_both_pass(monkeypatch):
    """Another process's whole probe runs between this probe's read and its fill."""
    real_fill = client.fill
    other: list[InvalidationCheck | None] = []

    def fill_after_another_probe(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not other:
            other.append(None)
            with monkeypatch.context() as elsewhere:  # another host or pid, its own process lock
                elsewhere.setattr(probe, "probe_object_id", lambda: 4242, raising=False)
                elsewhere.setattr(probe, "_lock", threading.Lock(), raising=False)
                other[0] = probe_invalidation()
        return real_fill(*args, **kwargs)

    monkeypatch.setattr(client, "fill", fill_after_another_probe)
    assert probe_invalidation() is InvalidationCheck.OK
    assert other == [InvalidationCheck.OK]


def test_each_process_probes_an_entry_of_its_own(monkeypatch):
    ids = {probe.probe_object_id()}
    monkeypatch.setattr(probe.os, "getpid", lambda: 1)
    ids.add(probe.probe_object_id())
    assert len(ids) == 2
    assert all(0 < object_id < 2**63 for object_id in ids)


def test_a_refused_fill_is_retried_once_then_unknown(monkeypatch, fast_ping):
    real_fill = client.fill
    calls = []

    def refused_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return False if len(calls) == 1 else real_fill(*args, **kwargs)

    monkeypatch.setattr(client, "fill", refused_once)
    assert probe_invalidation() is InvalidationCheck.OK
    assert len(calls) == 2
    monkeypatch.setattr(client, "fill", lambda *args, **kwargs: False)
    assert probe_invalidation() is InvalidationCheck.UNKNOWN
    result = CacheHealthChecker().check()
    assert (result.invalidation, result.status) == (InvalidationCheck.UNKNOWN, HealthStatus.HEALTHY)
    assert any("could not finish" in warning for warning in result.warnings)


def test_a_redis_failure_during_the_probe_is_unknown_not_failed(monkeypatch, fast_ping):
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise client.CacheUnavailable("OOM command not allowed")

    monkeypatch.setattr(client, "bump_generations", refuse)
    result = CacheHealthChecker().check()
    assert (result.invalidation, result.status) == (InvalidationCheck.UNKNOWN, HealthStatus.HEALTHY)
    assert result.warnings


def test_the_probe_never_touches_a_real_users_keys(api, user):
    api.get(f"/api/users/{user.id}/goals")
    before = sorted(client.scan_keys(keys.user_key_pattern(user.id)))
    probe_invalidation()
    after = sorted(client.scan_keys(keys.user_key_pattern(user.id)))
    assert before == after
    assert PROBE_USER_ID == 2**63 - 1


def test_no_probe_while_the_cache_is_off(settings, anon_api, fast_ping, redis_round_trips):
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    assert probe_invalidation() is None
    assert redis_round_trips == []
    body = anon_api.get("/api/system/cache-health").json()
    assert (body["status"], body["invalidation"]) == ("healthy", None)
    assert list(client.scan_keys(keys.user_key_pattern(PROBE_USER_ID))) == []


def test_the_probe_counts_no_invalidation_in_the_metrics(db):
    from prometheus_client import REGISTRY

    from cachehealth.probe import probe_invalidation

    def applied() -> float:
        return REGISTRY.get_sample_value("cache_invalidations_total", {"event": "unknown", "outcome": "applied"}) or 0.0

    before = applied()
    assert probe_invalidation() is not None
    assert applied() == before
