"""cache_flush, cache_warm and cache_stats: what they change in Redis, their checks and refusals."""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aipal.cache import client, keys
from cachehealth import flushing, warming
from goals.services import goal_create
from tasks.services import task_create
from tests.topology import set_keys

pytestmark = pytest.mark.django_db


def run(*args: str, **options: object) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def user_keys(user_id: int) -> list[bytes]:
    return list(client.scan_keys(keys.user_key_pattern(user_id)))


def test_flush_user_removes_only_that_users_keys(api, other_api, user, other_user):
    mine, theirs = f"/api/users/{user.id}/goals", f"/api/users/{other_user.id}/goals"
    for client_, url in ((api, mine), (other_api, theirs)):
        assert [client_.get(url)["X-Cache"] for _ in range(2)] == ["MISS", "HIT"]
    assert user_keys(user.id) and user_keys(other_user.id)

    output = run("cache_flush", "--user", str(user.id))

    assert f"Flushed user {user.id}" in output
    assert user_keys(user.id) == []
    assert user_keys(other_user.id)
    assert api.get(mine)["X-Cache"] == "MISS"
    assert other_api.get(theirs)["X-Cache"] == "HIT"


def test_flush_user_dry_run_deletes_nothing(api, user):
    api.get(f"/api/users/{user.id}/goals")
    before = user_keys(user.id)
    assert f"Would delete {len(before)} keys of user {user.id}" in run(
        "cache_flush", "--user", str(user.id), "--dry-run"
    )
    assert user_keys(user.id) == before


def test_flush_user_bumps_the_users_generation_first(user, monkeypatch):
    """Deleting keys alone would let a fill that read before the flush store its old bytes."""
    calls = []
    monkeypatch.setattr(flushing, "apply_now", lambda user_id, fields: calls.append((user_id, set(fields))) or True)
    run("cache_flush", "--user", str(user.id))
    assert calls == [(user.id, {keys.USER_GENERATION})]


def test_flush_all_dry_run_deletes_nothing(api, user):
    api.get(f"/api/users/{user.id}/goals")
    before = list(client.scan_keys(keys.app_key_pattern()))
    assert f"Would delete {len(before)} keys of this app" in run("cache_flush", "--all", "--dry-run")
    assert list(client.scan_keys(keys.app_key_pattern())) == before


def test_flush_all_leaves_keys_without_the_app_prefix(api, user, settings):
    api.get(f"/api/users/{user.id}/goals")
    tag = uuid.uuid4().hex  # the Redis may be shared: touch no name anyone else could use
    foreign = (f"otherapp-{tag}:keep", f"{settings.CACHE_KEY_PREFIX}x:{tag}", f"{tag}{settings.CACHE_KEY_PREFIX}:keep")
    set_keys(dict.fromkeys(foreign, "1"))
    try:
        run("cache_flush", "--all")
        assert list(client.scan_keys(keys.app_key_pattern())) == []
        assert client.guarded(lambda r: r.exists(*foreign)) == len(foreign)
    finally:
        client.guarded(lambda r: r.delete(*foreign))
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "MISS"


def foreign_keys(prefix: str, user_id: int) -> tuple[str, ...]:
    """Keys of other deployments whose prefix starts like ours, one shaped like our keys."""
    tag = uuid.uuid4().hex  # the Redis may be shared: touch no name anyone else could use
    return (
        f"{prefix}-other:{tag}",
        f"{prefix}other:{tag}",
        f"{prefix}-other:{keys.SCHEMA_VERSION}:{tag}:{{u:{user_id}}}:goals:list",
        f"{prefix}_2:{keys.SCHEMA_VERSION}:{tag}:{{u:{user_id}}}:gen",
    )


# Both phases: on fakeredis, and on the real Redis, whose glob matching is the one that counts.
BOTH_PHASES = ["fakeredis", pytest.param("redis", marks=pytest.mark.integration)]


@pytest.mark.parametrize("backend", BOTH_PHASES)
@pytest.mark.parametrize("scope", [("--all",), ("--user", "{user}")])
def test_flush_spares_another_deployments_keys(api, user, settings, backend, scope):
    """``<prefix>:*`` never matches ``<prefix>-other:*``: the prefix is a plain word and every
    SCAN pattern is anchored on it and ``:``."""
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "MISS"
    assert user_keys(user.id)
    foreign = foreign_keys(settings.CACHE_KEY_PREFIX, user.id)
    set_keys(dict.fromkeys(foreign, "1"))
    try:
        run("cache_flush", *(arg.format(user=user.id) for arg in scope))
        assert user_keys(user.id) == []
        assert client.guarded(lambda r: r.exists(*foreign)) == len(foreign)
    finally:
        client.guarded(lambda r: r.delete(*foreign))
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "MISS"


def test_warm_makes_the_next_reads_hits(api, user):
    goal = goal_create(user_id=user.id, description="Run a marathon")
    task = task_create(user_id=user.id, title="Buy shoes", goal_id=goal.pk)

    output = run("cache_warm", "--user", str(user.id))

    assert f"user {user.id}:" in output and "0 bypassed" in output
    base = f"/api/users/{user.id}"
    paths = ("", "/goals", f"/goals/{goal.pk}", "/tasks", f"/tasks/{task.pk}", "/ari/history", "/predictions")
    for path in paths:
        response = api.get(base + path)
        assert response.status_code == 200, (path, response.content)
        assert response["X-Cache"] == "HIT", path


def test_warm_all_active_skips_inactive_users(user, other_user):
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    output = run("cache_warm", "--all-active")
    assert f"user {user.id}:" in output
    assert f"user {other_user.id}:" not in output
    assert user_keys(user.id) and not user_keys(other_user.id)


def test_warm_names_a_missing_selectors_module(user, monkeypatch):
    monkeypatch.setattr(warming, "DEFAULT_READ_MODULES", ("nowhere.selectors",))
    with pytest.raises(CommandError, match=r"nowhere\.selectors"):
        run("cache_warm", "--user", str(user.id))


def test_stats_prints_figures_and_shared_totals(api, user, fresh_totals):
    api.get(f"/api/users/{user.id}/goals")
    api.get(f"/api/users/{user.id}/goals")
    table = run("cache_stats").splitlines()
    assert table[0] == "Cache health"
    assert "  redis_connected         yes" in table
    assert "  hit_rate                50.0% (every process)" in table
    assert "  invalidation            ok" in table
    totals = table.index("Shared totals (every process)")
    assert table[totals + 1 : totals + 5] == [
        "  hits                    1",
        "  misses                  1",
        "  reads                   2",
        "  hit rate                50.0%",
    ]
    assert table[-1] == "Cache healthy."
    data = json.loads(run("cache_stats", "--json"))
    assert data["health"]["status"] == "healthy"
    assert data["health"]["hit_rate"] == 0.5
    assert data["health"]["invalidation"] == "ok"
    assert data["shared_totals"] == {"hits": 1, "misses": 1, "hits:GOAL_LIST": 1, "misses:GOAL_LIST": 1}
    assert data["families"] == {"GOAL_LIST": {"hits": 1, "misses": 1}}


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("cache_flush", [], "give --user ID, --family NAME"),
        ("cache_flush", ["--all", "--family", "GOAL_LIST"], "give --family alone or --all"),
        ("cache_flush", ["--family", "GOALS"], "unknown key family 'GOALS'; valid names: PROFILE, .*GOAL_LIST"),
        ("cache_flush", ["--family", "GOAL_LIST", "--user", "0"], "positive integer"),
        ("cache_flush", ["--user", "1", "--all"], "not allowed with"),
        ("cache_flush", ["--user", "abc"], "positive integer"),
        ("cache_flush", ["--user", "0"], "positive integer"),
        ("cache_flush", ["--user", "-4"], "positive integer"),
        ("cache_flush", ["--user", "1*"], "positive integer"),
        ("cache_flush", ["--user", "99999999"], "does not exist"),
        ("cache_warm", [], "one of the arguments --user --all-active is required"),
        ("cache_warm", ["--user", "1e3"], "positive integer"),
        ("cache_warm", ["--user", "99999999"], "does not exist"),
        ("cache_warm", ["--user", "1", "--since", "2020-01-01"], "use it with --all-active"),
        ("cache_warm", ["--all-active", "--since", "yesterday"], "ISO date or datetime"),
        ("cache_warm", ["--all-active", "--since", "2020-13-01"], "ISO date or datetime"),
        ("cache_warm", ["--all-active", "--since", "2999-01-01"], "in the future"),
    ],
)
def test_bad_arguments_are_command_errors(command, args, message):
    with pytest.raises(CommandError, match=message):
        run(command, *args)


def test_commands_fail_clearly_when_redis_is_down(user, dead_redis):
    for command in ("cache_flush", "cache_warm"):
        with pytest.raises(CommandError, match="Redis is unreachable"):
            run(command, "--user", str(user.id))
    assert "unavailable (Redis unreachable)" in run("cache_stats")
    assert "Cache unhealthy." in run("cache_stats")


@pytest.mark.parametrize("args", [["cache_flush", "--all"], ["cache_warm", "--all-active"], ["cache_stats"]])
def test_embedded_backend_is_refused(settings, args):
    settings.AIPAL_CACHE = {
        **settings.AIPAL_CACHE,
        "BACKEND_LABEL": "fakeredis (embedded, this process only)",
        "EMBEDDED": True,
    }
    with pytest.raises(CommandError, match="embedded cache lives inside the server process"):
        run(*args)
