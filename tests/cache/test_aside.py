"""get_or_fill: hits, misses, the fill race, stored format, and Redis failures."""

from __future__ import annotations

import json

import pytest

from aipal.cache import client
from aipal.cache.aside import CacheStatus, get_or_fill
from aipal.cache.events import CacheEvent, generation_fields
from aipal.cache.invalidation import apply_now
from aipal.cache.keys import GOAL_LIST, PROFILE
from tests.topology import key_names

# After a Redis failure the read path consults the outbox in the database.
pytestmark = pytest.mark.django_db


def _key(user_id: int = 1):
    return GOAL_LIST.key(user_id=user_id, variant={"status": "active", "limit": 100})


def test_miss_then_hit_returns_the_same_bytes():
    loads = []
    first = get_or_fill(_key(), lambda: loads.append(1) or [{"id": 1, "x": 0.1}])
    second = get_or_fill(_key(), lambda: loads.append(1) or [{"id": 1, "x": 0.1}])
    assert (first.status, second.status) == (CacheStatus.MISS, CacheStatus.HIT)
    assert first.body == second.body
    assert len(loads) == 1


def test_stored_value_is_stamped_json_never_a_pickle():
    key = _key()
    get_or_fill(key, lambda: {"a": [1, 2]})
    raw = client.redis_client().get(key_names(key).entry)
    stamp, etag, body = raw.split(b"\n", 2)
    assert not raw.startswith(b"\x80")  # pickle protocol 2+ marker
    assert json.loads(body) == {"a": [1, 2]}
    assert stamp and b"," in stamp
    assert etag.startswith(b'"') and etag.endswith(b'"')


def test_a_bump_makes_every_variant_unreadable_in_one_step():
    keys = [GOAL_LIST.key(user_id=1, variant={"status": s, "limit": 100}) for s in ("active", "all", "completed")]
    for key in keys:
        get_or_fill(key, lambda: ["old"])
    assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))
    for key in keys:
        assert get_or_fill(key, lambda: ["new"]).status == CacheStatus.MISS


def test_fill_race_a_fill_read_before_a_write_is_never_served():
    """Reader misses, loads the old row; the writer commits and bumps; the reader stores.

    The stored entry carries the generations read before the load, so it is refused.
    """
    key = _key()
    token = client.new_token()
    miss = client.read(key, token)
    assert miss.body is None and miss.holds_lock
    old_body = b'["old row"]'
    apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))  # the concurrent write commits
    assert client.fill(key, miss.stamp, b'"e"\n' + old_body, 60_000, token) is False
    assert client.read(key, client.new_token()).body is None


def test_fill_race_end_to_end_the_writer_commits_during_the_load():
    key = _key()

    def loader_racing_a_write():
        apply_now(1, generation_fields(CacheEvent.GOAL_UPDATED, {"goal": [5]}))
        return ["read before the write"]

    assert get_or_fill(key, loader_racing_a_write).status == CacheStatus.MISS
    fresh = get_or_fill(key, lambda: ["after the write"])
    assert fresh.status == CacheStatus.MISS
    assert json.loads(fresh.body) == ["after the write"]
    assert get_or_fill(key, lambda: ["unused"]).status == CacheStatus.HIT


def test_lost_generation_hash_is_treated_as_new_not_reset():
    """An evicted generation hash must not let an entry stamped with an old value match."""
    key = PROFILE.key(user_id=3)
    get_or_fill(key, lambda: {"v": 1})
    client.redis_client().delete(key_names(key).generations)  # eviction under allkeys-lru
    assert get_or_fill(key, lambda: {"v": 2}).status == CacheStatus.MISS


def test_users_do_not_invalidate_each_other():
    mine, theirs = PROFILE.key(user_id=1), PROFILE.key(user_id=2)
    get_or_fill(mine, lambda: {"u": 1})
    get_or_fill(theirs, lambda: {"u": 2})
    apply_now(1, generation_fields(CacheEvent.USER_UPDATED))
    assert get_or_fill(theirs, lambda: {"u": 2}).status == CacheStatus.HIT
    assert get_or_fill(mine, lambda: {"u": 1}).status == CacheStatus.MISS


def test_a_loader_error_releases_the_fill_lock():
    key = _key()
    with pytest.raises(RuntimeError):
        get_or_fill(key, lambda: (_ for _ in ()).throw(RuntimeError("db down")))
    assert client.redis_client().get(key_names(key).fill_lock) is None


def test_disabled_cache_bypasses(settings):
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    served = get_or_fill(_key(), lambda: [1])
    assert served.status == CacheStatus.BYPASS
    assert client.redis_client().get(key_names(_key()).entry) is None


def test_redis_down_serves_the_loader_and_opens_the_breaker(dead_redis):
    results = [get_or_fill(_key(), lambda: ["from db"]) for _ in range(5)]
    assert {r.status for r in results} == {CacheStatus.BYPASS}
    assert {r.body for r in results} == {b'["from db"]'}
    assert client.breaker().current_state == "open"


def test_failed_invalidation_is_reported_not_raised(dead_redis):
    assert apply_now(1, {"GOAL_LIST"}) is False
