"""A user's last commit position (``*lsn`` in the generation hash): kept as a maximum by
bumps, replaced by a marker when unknown, set by a fill only over what its read saw, and
returned by a miss's read (never by a hit)."""

from __future__ import annotations

import pytest

from aipal.cache import client
from aipal.cache.aside import get_or_fill
from aipal.cache.keys import GOAL_LIST, PROFILE, generation_hash

pytestmark = pytest.mark.django_db
FIELDS = {1: ["*user", "GOAL_LIST"]}


def _raw(user_id: int = 1) -> str | None:
    stored = client.redis_client().hget(generation_hash(client.server_run_id(user_id), user_id), "*lsn")
    return None if stored is None else stored.decode()


def _held(user_id: int = 1) -> int | None:
    stored = _raw(user_id)
    return None if stored is None else int(stored)


def _key(user_id: int = 1, spec=GOAL_LIST):
    return spec.key(user_id=user_id, variant={"status": "active", "limit": 100} if spec is GOAL_LIST else None)


def _position_held(lsn: int, user_id: int = 1) -> None:
    """Give the user's ``*lsn`` the position ``lsn``, as a miss's fill with that floor does."""
    key = _key(user_id, PROFILE)
    miss = client.read(key, token := client.new_token())
    assert client.fill(key, miss.stamp, b'"e"\n{}', 60_000, token, lsn_floor=lsn, lsn_seen=miss.lsn_seen)
    assert _held(user_id) == lsn


def test_a_bump_keeps_the_largest_position():
    _position_held(5)
    client.bump_generations(FIELDS, lsn=2**40 + 5)
    client.bump_generations(FIELDS, lsn=9)  # an outbox replay of an old bump
    assert _held() == 2**40 + 5
    client.bump_generations(FIELDS, lsn=2**62 + 1)  # exact past 2**53, where Lua's numbers are not
    assert _held() == 2**62 + 1


def test_an_unknown_position_stores_a_marker_of_its_own_and_sqlites_bump_leaves_it():
    _position_held(300)
    client.bump_generations(FIELDS)  # SQLite: nothing to note
    assert _held() == 300
    client.bump_generations(FIELDS, lsn=-1)
    first = _raw()
    generation = client.redis_client().hget(generation_hash(client.server_run_id(1), 1), "GOAL_LIST")
    assert first == f"?{generation.decode()}"  # the bump's own new generation
    client.bump_generations(FIELDS, lsn=-1)
    assert _raw().startswith("?") and _raw() != first
    miss = client.read(_key(), client.new_token())
    assert (miss.lsn, miss.lsn_seen) == (None, _raw())


def test_a_position_never_replaces_a_marker_but_fills_an_empty_place():
    """A position is taken before its bump, perhaps before the write a marker stands for
    committed (another server's, without replicas): only a later reader's floor is sure."""
    client.bump_generations(FIELDS, lsn=-1)
    marker = _raw()
    client.bump_generations(FIELDS, lsn=700)
    assert _raw().startswith("?") and _raw() != marker  # a fresh one: a fill over the old fails
    client.bump_generations({2: ["*user", "GOAL_LIST"]}, lsn=700)
    assert _held(2) == 700


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
    _position_held(70)
    client.redis_client().script_flush()
    client.bump_generations(FIELDS, lsn=77)
    assert _held() == 77


def test_a_miss_returns_the_position_and_a_hit_is_unchanged():
    key = _key()
    assert client.read(key, client.new_token()).lsn is None
    _position_held(4000)
    client.bump_generations(FIELDS, lsn=4242)
    miss = client.read(key, client.new_token())
    assert miss.body is None and miss.lsn == 4242
    get_or_fill(key, lambda: [])
    assert client.read(key, client.new_token()).body == b"[]"


def test_a_fill_sets_its_floor_only_when_it_stores():
    key = _key()
    miss = client.read(key, token := client.new_token())
    assert (miss.lsn, miss.lsn_seen) == (None, "")
    assert client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=900, lsn_seen=miss.lsn_seen)
    assert _held() == 900
    client.bump_generations(FIELDS, lsn=950)
    assert not client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=2000)  # a write came between
    assert _held() == 950


def test_a_fill_over_a_marker_sets_its_floor_only_if_the_marker_is_still_there():
    client.bump_generations(FIELDS, lsn=-1)
    key = _key()
    miss = client.read(key, token := client.new_token())
    assert miss.lsn is None and miss.lsn_seen.startswith("?")
    assert client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=900, lsn_seen=miss.lsn_seen)
    assert _held() == 900
    client.bump_generations(FIELDS, lsn=-1)
    miss = client.read(key, token := client.new_token())
    client.bump_generations({1: ["PROFILE"]}, lsn=-1)  # another data set's write: the fill still stores
    assert client.fill(key, miss.stamp, b'"e"\n[]', 60_000, token, lsn_floor=1000, lsn_seen=miss.lsn_seen)
    assert _raw().startswith("?") and _raw() != miss.lsn_seen


def test_a_floor_taken_before_an_unknown_bump_of_another_data_set_is_not_kept():
    """No ``*lsn``; a reader reads PROFILE's stamp and takes the floor F; a write then
    commits past F and its bump, of GOAL_LIST only, has no position; the PROFILE fill
    stores (its generations did not change) but must not leave ``*lsn = F``, or the next
    GOAL_LIST miss would be routed by F to a replica that has not replayed the write."""
    profile = _key(spec=PROFILE)
    miss = client.read(profile, token := client.new_token())
    floor = 900  # the primary's position, taken by the reader
    client.bump_generations({1: ["GOAL_LIST"]}, lsn=-1)  # the write, at 1000
    assert client.fill(profile, miss.stamp, b'"e"\n{}', 60_000, token, lsn_floor=floor, lsn_seen=miss.lsn_seen)
    assert _raw() != f"{floor:020d}"
    assert client.read(_key(), client.new_token()).lsn is None  # the next miss takes a floor of its own
