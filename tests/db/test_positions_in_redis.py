"""A user's last commit position (``*lsn`` in the generation hash): kept as a maximum by
bumps and fills, dropped when unknown, and returned by a miss's read (never by a hit)."""

from __future__ import annotations

import pytest

from aipal.cache import client
from aipal.cache.aside import get_or_fill
from aipal.cache.keys import GOAL_LIST, generation_hash

pytestmark = pytest.mark.django_db
FIELDS = {1: ["*user", "GOAL_LIST"]}


def _held(user_id: int = 1) -> int | None:
    stored = client.redis_client().hget(generation_hash(client.server_run_id(user_id), user_id), "*lsn")
    return None if stored is None else int(stored)


def _key(user_id: int = 1):
    return GOAL_LIST.key(user_id=user_id, variant={"status": "active", "limit": 100})


def test_a_bump_keeps_the_largest_position():
    client.bump_generations(FIELDS, lsn=2**40 + 5)
    client.bump_generations(FIELDS, lsn=9)  # an outbox replay of an old bump
    assert _held() == 2**40 + 5
    client.bump_generations(FIELDS, lsn=2**62 + 1)  # exact past 2**53, where Lua's numbers are not
    assert _held() == 2**62 + 1


def test_a_bump_without_replicas_leaves_the_position_and_an_unknown_one_drops_it():
    client.bump_generations(FIELDS, lsn=300)
    client.bump_generations(FIELDS)
    assert _held() == 300
    client.bump_generations(FIELDS, lsn=-1)
    assert _held() is None


def test_a_bump_still_changes_the_generations_and_keeps_them_alive():
    r = client.redis_client()
    name = generation_hash(client.server_run_id(1), 1)
    client.bump_generations(FIELDS, lsn=1)
    before = r.hgetall(name)
    client.bump_generations(FIELDS, lsn=1)
    after = r.hgetall(name)
    assert before[b"GOAL_LIST"] != after[b"GOAL_LIST"] and after[b"*user"] == after[b"GOAL_LIST"]
    assert 0 < r.ttl(name) <= client.GENERATION_TTL_SECONDS


def test_a_bump_survives_redis_losing_its_scripts():
    client.redis_client().script_flush()
    client.bump_generations(FIELDS, lsn=77)
    assert _held() == 77


def test_a_miss_returns_the_position_and_a_hit_is_unchanged():
    key = _key()
    assert client.read(key, client.new_token()).lsn is None
    client.bump_generations(FIELDS, lsn=4242)
    miss = client.read(key, client.new_token())
    assert miss.body is None and miss.lsn == 4242
    get_or_fill(key, lambda: [])
    assert client.read(key, client.new_token()).body == b"[]"


def test_a_fill_raises_the_position_to_its_floor_only_when_it_stores():
    key = _key()
    miss = client.read(key, token := client.new_token())
    assert client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=900)
    assert _held() == 900
    client.bump_generations(FIELDS, lsn=950)
    assert not client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=2000)  # a write came between
    assert _held() == 950
    fresh = client.read(key, token := client.new_token())
    assert client.fill(key, fresh.stamp, b'"e"\n[]', 60_000, token, lsn_floor=10)  # never lowered
    assert _held() == 950
