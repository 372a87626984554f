"""The operators' options of the cache_* commands: warm's total, bar and --since; flush --family;
stats per family."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from knox.models import AuthToken

from aipal.cache import client, keys, stats
from cachehealth import families
from cachehealth.warming import active_user_ids
from goals.models import Goal
from goals.services import goal_create
from tasks.services import task_create
from tests.conftest import CommittingAPIClient
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stdout: StringIO | None = None) -> str:
    out = stdout or StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def family_key_names(spec: keys.KeySpec, user_id: int | None = None) -> set[bytes]:
    return {key.name for key in families.family_keys(spec, user_id=user_id)}


# cache_warm


def test_warm_says_the_total_first_and_one_line_per_user_off_a_terminal(user, other_user):
    lines = run("cache_warm", "--all-active").splitlines()
    assert lines[0] == "Warming 2 users ..."
    assert [line.split(":")[0] for line in lines[1:3]] == [f"user {user.id}", f"user {other_user.id}"]
    assert lines[3].startswith("2 users: ")
    assert "\r" not in "".join(lines)


def test_warm_draws_a_progress_bar_on_a_terminal(user, other_user):
    out = run("cache_warm", "--all-active", stdout=Terminal())
    assert out.startswith("Warming 2 users ...\n")
    assert "\r[" + "#" * 15 + "." * 15 + "] 1/2" in out
    assert "\r[" + "#" * 30 + "] 2/2\n" in out
    assert f"user {user.id}:" not in out
    assert out.rstrip().endswith("0 bypassed")


def test_warm_dry_run_counts_in_good_grammar(user):
    assert run("cache_warm", "--user", str(user.id), "--dry-run") == f"Would warm 1 user: {user.id}.\n"


def test_warm_since_picks_users_active_since_then(db):
    long_ago = timezone.now() - timedelta(days=90)
    idle, joined, logged_in, with_goal, with_old_goal, with_task = (UserFactory() for _ in range(6))
    User = get_user_model()
    User.objects.update(date_joined=long_ago, last_login=None)
    User.objects.filter(pk=joined.pk).update(date_joined=timezone.now())
    User.objects.filter(pk=logged_in.pk).update(last_login=timezone.now())
    goal_create(user_id=with_goal.id, description="Learn Go")
    old = goal_create(user_id=with_old_goal.id, description="Learn Rust")
    Goal.objects.filter(pk=old.pk).update(created_at=long_ago, updated_at=long_ago)
    task_create(user_id=with_task.id, title="Read the spec")
    since = (timezone.now() - timedelta(days=1)).date().isoformat()

    expected = sorted(u.id for u in (joined, logged_in, with_goal, with_task))
    assert active_user_ids(since=timezone.now() - timedelta(days=1)) == expected
    out = run("cache_warm", "--all-active", "--since", since, "--dry-run")
    assert out == f"Would warm 4 users: {', '.join(map(str, expected))}.\n"
    assert len(active_user_ids()) == 6  # without --since: every active user
    Goal.objects.filter(pk=old.pk).update(updated_at=timezone.now())
    assert with_old_goal.id in active_user_ids(since=timezone.now() - timedelta(hours=1))


def test_warm_since_counts_a_token_issued_then_as_a_sign_in(db):
    """POST /api/auth/token/ leaves last_login as it was: the token's issue is the sign-in."""
    long_ago = timezone.now() - timedelta(days=90)
    api_client, stale_token = UserFactory(), UserFactory()
    User = get_user_model()
    User.objects.update(date_joined=long_ago, last_login=None)
    response = CommittingAPIClient().post(
        "/api/auth/token/", {"username": api_client.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    AuthToken.objects.create(user=stale_token)
    AuthToken.objects.filter(user=stale_token).update(created=long_ago)

    assert User.objects.get(pk=api_client.pk).last_login is None
    assert active_user_ids(since=timezone.now() - timedelta(hours=1)) == [api_client.id]


@pytest.mark.parametrize("since", ["0001-01-01T00:00+05:00", "9999-12-31T23:59-05:00", "0001-01-01T00:00:00+14:00"])
def test_warm_since_beyond_the_utc_calendar_is_a_clear_error(db, since):
    with pytest.raises(CommandError, match="outside the range of UTC datetimes"):
        run("cache_warm", "--all-active", "--since", since, "--dry-run")


def test_warm_since_at_the_calendars_start_keeps_every_active_user(user, other_user):
    out = run("cache_warm", "--all-active", "--since", "0001-01-01T00:00Z", "--dry-run")
    assert out.startswith("Would warm 2 users:")


# cache_flush --family


def test_flush_family_drops_that_family_of_every_user_only(api, other_api, user, other_user):
    for client_, owner in ((api, user), (other_api, other_user)):
        goal = goal_create(user_id=owner.id, description="Swim")
        for path in ("goals", f"goals/{goal.pk}", "tasks"):
            assert client_.get(f"/api/users/{owner.id}/{path}")["X-Cache"] == "MISS"
    assert len(family_key_names(keys.GOAL_LIST)) == 2
    detail_before = family_key_names(keys.GOAL_DETAIL)
    assert len(detail_before) == 2

    assert "Would delete 2 keys of family GOAL_LIST of every user." in run(
        "cache_flush", "--family", "goal_list", "--dry-run"
    )
    assert len(family_key_names(keys.GOAL_LIST)) == 2
    out = run("cache_flush", "--family", "goal_list")

    assert "Flushed family GOAL_LIST of every user: 2 keys deleted." in out
    assert family_key_names(keys.GOAL_LIST) == set()
    assert family_key_names(keys.GOAL_DETAIL) == detail_before  # goals:list is not goals:{goal}
    assert api.get(f"/api/users/{user.id}/goals")["X-Cache"] == "MISS"
    assert api.get(f"/api/users/{user.id}/tasks")["X-Cache"] == "HIT"


def test_flush_family_of_one_user(api, other_api, user, other_user):
    for client_, owner in ((api, user), (other_api, other_user)):
        goal = goal_create(user_id=owner.id, description="Run")
        assert client_.get(f"/api/users/{owner.id}/goals/{goal.pk}")["X-Cache"] == "MISS"
    out = run("cache_flush", "--family", "GOAL_DETAIL", "--user", str(user.id))
    assert "Flushed family GOAL_DETAIL of user" in out
    assert family_key_names(keys.GOAL_DETAIL, user.id) == set()
    assert len(family_key_names(keys.GOAL_DETAIL, other_user.id)) == 1


def test_flush_family_invalidates_before_deleting(user, monkeypatch):
    """A fill that loaded its rows before the flush must not store them after it."""
    key = keys.GOAL_LIST.key(user_id=user.id)
    stamp = client.read(key, client.new_token()).stamp
    assert client.fill(key, stamp, b"e\n[]", 60_000)
    run("cache_flush", "--family", "GOAL_LIST")
    assert not client.fill(key, stamp, b"e\n[]", 60_000)  # the stamp read before the flush is stale


# cache_stats


def test_stats_shows_per_family_totals_when_shared(fresh_totals):
    client.guarded(lambda r: r.hset(stats.shared_totals_key(), mapping={"hits:GOAL_LIST": 3, "misses:GOAL_LIST": 1}))
    table = run("cache_stats").splitlines()
    assert "  GOAL_LIST               3 hits, 1 misses, 75.0%" in table
    data = json.loads(run("cache_stats", "--json"))
    assert data["families"] == {"GOAL_LIST": {"hits": 3, "misses": 1}}


def test_a_familys_keys_are_its_entries_and_locks_only(user):
    base = keys.user_base("0", user.id)
    names = ("goals:list", "goals:list?status=active", "goals:list#lock", "goals:listing", "goals:7", "goals:7?x=1")
    names += ("goals:7abc", "tasks:list")
    client.guarded(lambda r: r.mset({f"{base}:{name}": 1 for name in names}))
    tails = {key.name.decode().removeprefix(f"{base}:") for key in families.family_keys(keys.GOAL_LIST)}
    assert tails == {"goals:list", "goals:list?status=active", "goals:list#lock"}
    found = families.family_keys(keys.GOAL_DETAIL)
    assert {key.name.decode().removeprefix(f"{base}:") for key in found} == {"goals:7", "goals:7?x=1"}
    assert {(key.user_id, key.field) for key in found} == {(user.id, "GOAL_DETAIL:7")}
