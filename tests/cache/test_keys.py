"""Keys: one place builds them, ids are validated first, users never collide."""

import pytest

from aipal.cache.conf import cache_settings
from aipal.cache.events import EVENT_TABLE, CacheEvent, generation_fields
from aipal.cache.keys import (
    ALL_SPECS,
    GOAL_DETAIL,
    GOAL_LIST,
    PROFILE,
    USER_GENERATION,
    app_key_pattern,
    user_key_pattern,
)


@pytest.mark.parametrize("bad", [0, -1, True, "1", "1*", None, 1.5, 2**63])
def test_ids_are_validated_before_reaching_a_key(bad):
    with pytest.raises(ValueError):
        PROFILE.key(user_id=bad)
    with pytest.raises(ValueError):
        GOAL_DETAIL.key(user_id=1, object_id=bad)
    with pytest.raises(ValueError):
        user_key_pattern(bad)


@pytest.mark.parametrize("value", ["a*", "[ab]", "x?", "a b", "a\nb", "é", "x" * 65])
def test_variant_values_that_could_shape_a_pattern_are_refused(value):
    with pytest.raises(ValueError):
        GOAL_LIST.key(user_id=1, variant={"status": value})


def test_every_key_starts_with_the_prefix_and_names_its_user():
    prefix = cache_settings().key_prefix
    key = GOAL_LIST.key(user_id=42, variant={"status": "active", "limit": 100})
    for name in key.names("r1"):
        assert name.startswith(f"{prefix}:")
        assert "{u:42}" in name
    assert app_key_pattern().startswith(prefix)


def test_two_users_never_share_a_key():
    a = GOAL_LIST.key(user_id=1, variant={"status": "active", "limit": 100})
    b = GOAL_LIST.key(user_id=11, variant={"status": "active", "limit": 100})
    a_names, b_names = a.names("r1"), b.names("r1")
    assert a_names.entry != b_names.entry and a_names.generations != b_names.generations
    assert not b_names.entry.startswith(user_key_pattern(1).rstrip("*"))


def test_variants_are_canonical_and_distinct():
    one = GOAL_LIST.key(user_id=1, variant={"status": "active", "limit": 100})
    same = GOAL_LIST.key(user_id=1, variant={"limit": 100, "status": "active"})
    other = GOAL_LIST.key(user_id=1, variant={"status": "all", "limit": 100})
    assert one.names("r1").entry == same.names("r1").entry != other.names("r1").entry


def test_every_spec_has_a_ttl_within_the_seed_table():
    for spec in ALL_SPECS:
        assert 0 < spec.ttl_seconds() <= 1800


def test_event_table_bumps_user_generation_only_for_user_updated():
    assert generation_fields(CacheEvent.USER_UPDATED) == {USER_GENERATION}
    for event in EVENT_TABLE:
        if event is not CacheEvent.USER_UPDATED:
            assert USER_GENERATION not in generation_fields(event, {"goal": [1], "task": [2]})


def test_task_completed_reaches_its_goal_and_lists():
    fields = generation_fields(CacheEvent.TASK_COMPLETED, {"task": [7], "goal": [3, 4]})
    assert fields == {"TASK_DETAIL:7", "TASK_LIST", "GOAL_DETAIL:3", "GOAL_DETAIL:4", "GOAL_LIST", "DASHBOARD"}
