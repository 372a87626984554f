"""Keys: one place builds them, ids are validated first, users never collide; the prefix
is a plain word and every SCAN pattern is anchored on it and ``:``."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from aipal.cache import client
from aipal.cache.checks import check_key_prefix
from aipal.cache.conf import cache_settings, valid_key_prefix
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


# --- the key prefix ----------------------------------------------------------------

BAD_PREFIXES = ["", "aipal:staging", "aipal*", "ai?pal", "[ab]", "a\\b", "a b", "aipal\n", "é", "a.b", "a{b}", None, 7]


@pytest.mark.parametrize("prefix", ["aipal", "AIPAL_2", "ai-pal", "x"])
def test_a_plain_word_is_a_valid_prefix(prefix):
    assert valid_key_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", BAD_PREFIXES)
def test_anything_else_is_refused_naming_the_setting(prefix):
    with pytest.raises(ImproperlyConfigured, match=r"^CACHE_KEY_PREFIX must match \^\[A-Za-z0-9_-\]\+\$"):
        valid_key_prefix(prefix)


def test_settings_refuse_a_bad_prefix_as_they_load(tmp_path):
    """``aipal.settings.base`` checks CACHE_KEY_PREFIX where it reads it, whatever module imports it."""
    env = {
        **os.environ,
        "CACHE_KEY_PREFIX": "aipal:staging",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DJANGO_DEBUG": "true",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    loaded = subprocess.run(  # noqa: S603  (the interpreter running the tests, fixed arguments)
        [sys.executable, "-c", "import aipal.settings.base"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert loaded.returncode != 0
    assert "ImproperlyConfigured: CACHE_KEY_PREFIX must match" in loaded.stderr


@pytest.mark.parametrize("setting", ["AIPAL_CACHE", "CACHE_KEY_PREFIX", "CACHES"])
def test_the_system_check_reports_a_bad_prefix_set_otherwise(settings, setting):
    assert check_key_prefix() == []
    if setting == "AIPAL_CACHE":
        settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "KEY_PREFIX": "aipal:staging"}
        name = "AIPAL_CACHE['KEY_PREFIX']"
    elif setting == "CACHES":
        settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "aipal:staging"}}
        name = "CACHES['default']['KEY_PREFIX']"
    else:
        settings.CACHE_KEY_PREFIX = "aipal:staging"
        name = "CACHE_KEY_PREFIX"
    errors = check_key_prefix()
    assert [error.id for error in errors] == ["aipal_cache.E006"]
    assert errors[0].msg.startswith(f"{name} must match")


def test_no_key_is_built_under_a_bad_prefix(settings):
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "KEY_PREFIX": "aipal:staging"}
    with pytest.raises(ImproperlyConfigured, match="KEY_PREFIX"):
        GOAL_LIST.key(user_id=1).names("r1")
    with pytest.raises(ImproperlyConfigured):
        app_key_pattern()


def test_patterns_are_anchored_on_the_prefix_and_a_colon():
    prefix = cache_settings().key_prefix
    assert app_key_pattern() == f"{prefix}:*"
    assert user_key_pattern(7) == f"{prefix}:*:{{u:7}}:*"


@pytest.mark.parametrize("pattern", ["*", "*{u:1}*", "<prefix>*", "<prefix>-other:*", "x<prefix>:*"])
def test_scan_refuses_a_pattern_not_anchored_on_the_prefix(pattern):
    pattern = pattern.replace("<prefix>", cache_settings().key_prefix)
    with pytest.raises(ValueError, match="must start with"):
        client.scan_keys(pattern)
    with pytest.raises(ValueError, match="must start with"):
        client.scan_delete(pattern)


def test_a_new_schema_version_renames_entries_but_not_the_generations(monkeypatch):
    """Servers of two releases share the generations (a write on either invalidates both)
    and never each other's entries."""
    from aipal.cache import keys

    key = keys.GOAL_LIST.key(user_id=7)
    before = key.names("run1")
    monkeypatch.setattr(keys, "SCHEMA_VERSION", "v99")
    after = key.names("run1")
    assert after.entry != before.entry and ":v99:" in after.entry
    assert after.generations == before.generations == keys.generation_hash("run1", 7)


def test_the_scripts_spell_the_commit_position_field_as_the_registry_does():
    from aipal.cache import keys

    lua = Path(keys.__file__).parent / "lua"
    for name in ("bump", "read", "serve", "fill"):
        source = (lua / f"{name}.lua").read_text()
        fields = set(re.findall(r"'(\*[a-z]+)'", source)) - {keys.USER_GENERATION}
        assert fields == {keys.COMMIT_POSITION}, (name, fields)
