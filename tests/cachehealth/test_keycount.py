"""keys_count: this app's keys only, a SCAN within a time budget, one count shared by every
process, and a last count that belongs to one Redis."""

from __future__ import annotations

import uuid

import pytest

from aipal.cache import client, keys
from aipal.cache.conf import cache_settings
from cachehealth import keycount
from cachehealth.health import CacheHealthChecker
from tests.conftest import clear_app_keys
from tests.topology import set_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_ping(monkeypatch):
    monkeypatch.setattr(client, "ping", lambda: 1.0)


@pytest.fixture
def scans(monkeypatch):
    """Record each SCAN count (the real one runs)."""
    seen: list[keycount.KeysCount] = []
    real_scan = keycount._scan
    monkeypatch.setattr(keycount, "_scan", lambda r, match: seen.append(real_scan(r, match)) or seen[-1])
    return seen


def _drop_shared_count() -> None:
    client.guarded(lambda r: r.delete(keycount.shared_count_key()))


def test_keys_count_counts_this_apps_keys_only(api, user, settings):
    tag = uuid.uuid4().hex  # the Redis may be shared: touch no name anyone else could use
    foreign = (f"otherapp-{tag}:x", f"{settings.CACHE_KEY_PREFIX}-other:{tag}", f"{settings.CACHE_KEY_PREFIX}{tag}")
    set_keys(dict.fromkeys(foreign, "1"))
    try:
        api.get(f"/api/users/{user.id}/goals")
        # Its throttle charge lives one interval (60 ms at 1000/min): it could expire between
        # the count and the SCAN below.
        client.guarded(lambda r: r.delete(keys.user_throttle_key(user.id)))
        CacheHealthChecker().check()  # creates the keys a check keeps (probe, shared totals, the count)
        _drop_shared_count()
        counted = CacheHealthChecker().check().keys_count
        assert counted == len(list(client.scan_keys(f"{settings.CACHE_KEY_PREFIX}:*"))) > 0
    finally:
        client.guarded(lambda r: r.delete(*foreign))


def test_one_count_is_shared_by_every_process(scans):
    first = keycount.app_keys_count()
    keycount.forget()  # another process: nothing of its own
    assert keycount.app_keys_count() == first
    assert len(scans) == 1
    ttl = client.guarded(lambda r: r.ttl(keycount.shared_count_key()))
    assert 0 < ttl <= keycount.SHARED_TTL_SECONDS
    _drop_shared_count()  # expired: the next poll counts again
    keycount.app_keys_count()
    assert len(scans) == 2


def test_while_another_process_counts_the_last_count_is_served(scans, monkeypatch, settings):
    lock = f"{keycount.shared_count_key()}#lock"
    assert keycount.app_keys_count() is not None  # this process's last count
    _drop_shared_count()
    client.guarded(lambda r: r.set(lock, "another-process", px=5000))
    last = keycount.app_keys_count()
    assert last is not None and len(scans) == 1  # no second SCAN while the lock is held
    with monkeypatch.context() as restarted:
        restarted.setattr(client, "server_lifetimes", lambda: ("restarted",))  # another server lifetime
        assert keycount.app_keys_count() is None
    assert keycount.app_keys_count() == last
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE}  # a settings change forgets it
    assert keycount.app_keys_count() is None
    assert client.guarded(lambda r: r.get(lock)) == b"another-process"  # never released by others


def test_the_scan_stops_at_its_time_budget_even_between_empty_pages(monkeypatch, fast_ping):
    """Other apps' keys give SCAN pages with none of ours: the budget is checked after each page."""
    tag = uuid.uuid4().hex
    foreign = {f"otherapp-{tag}:{i}": 1 for i in range(40)}
    set_keys(foreign)
    try:
        monkeypatch.setattr(keycount, "SCAN_COUNT", 2)
        monkeypatch.setattr(keycount, "SCAN_BUDGET_SECONDS", -1.0)  # over budget after the first page
        result = CacheHealthChecker().check()
    finally:
        client.guarded(lambda r: r.delete(*foreign))
    assert result.keys_count is not None and result.keys_count <= 2
    assert f"keys_count is a lower bound: visited about 2 keys, found {result.keys_count}." in result.warnings


def test_a_complete_count_gives_no_warning(fast_ping):
    set_keys({f"{cache_settings().key_prefix}:k{i}": 1 for i in range(20)})
    result = CacheHealthChecker().check()
    assert result.keys_count is not None and result.keys_count >= 20
    assert not any("lower bound" in warning for warning in result.warnings)


def test_each_test_starts_without_a_last_count():
    assert keycount.app_keys_count() is not None
    clear_app_keys()
    client.guarded(lambda r: r.set(f"{keycount.shared_count_key()}#lock", "another-process", px=5000))
    assert keycount.app_keys_count() is None
