"""IDOR sweep: another user's ids on every route and method of API.md answer 403 or 404
and change nothing.

Mallory, a non-staff user with tokens of her own, calls every route (``idor.SWEPT``) on
alice's paths, and on her own paths with alice's object ids, through Django's test
client and through the deployed WSGI stack with the fast path in front (where a
cross-user hit would leak): plainly, with a trailing slash, with ``If-None-Match``
naming alice's ETag and with ``?format=json``. Each sweep runs with alice's cache warm
(every cached GET of hers stored, so the fast path would answer it as a hit), then cold.
Afterwards every database row and every Redis key of alice's is as it was, her reads
are hits with the same ETags, the fast path answered none of mallory's requests on
alice's paths, and no answer holds alice's data.

Each test sweeps every method of one path (ids such as ``GET,PUT,PATCH,DELETE,HEAD,OPTIONS
/goals/{goal}``): the warm-up alice's reads need is then paid once per path, not per method.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import resolve
from django.utils import timezone

from aipal.fastpath import FastPath
from tests.api.factories import GoalFactory, TaskFactory
from tests.factories import SnapshotFactory, UserFactory
from tests.security.idor import (
    CACHED_GETS,
    CALLER_ROUTES,
    OBJECT_ROUTES,
    SECRET,
    SWEPT,
    UNKNOWN_ID,
    Party,
    Reply,
    Route,
    assert_cache_unchanged,
    assert_nothing_leaked,
    assert_refused,
    assert_still_hits,
    by_path,
    cache_state,
    db_state,
    fast_path_answers,
    forget_cache,
    group_id,
    read_all,
    user_url_patterns,
)

pytestmark = pytest.mark.django_db

Requests = dict[str, tuple[str, dict[str, str]]]  # label -> (url, META headers)


@pytest.fixture(scope="module")
def wsgi_app() -> Any:
    """One deployed stack for the module's WSGI requests (its route table is built once)."""
    return FastPath(WSGIHandler())


def make_party(name: str, app: Any, *, commit: bool = True, **user_fields: object) -> Party:
    """A user with a goal, a task and three snapshots, every text of alice's holding SECRET."""
    text = SECRET if name == "alice" else name
    user = UserFactory(username=name, email=f"{text}@example.com", profile__display_name=f"{text} name", **user_fields)
    goal = GoalFactory(user=user, description=f"{text} goal")
    task = TaskFactory(user=user, goal=goal, title=f"{text} task")
    now = timezone.now()
    snapshots = [
        SnapshotFactory(user=user, timestamp=now - timedelta(days=days), task_description=f"{text} snapshot")
        for days in (2, 1, 0)
    ]
    return Party.of(user, goal, task, snapshots[-1], app=app, commit=commit)


@pytest.fixture
def alice(db, wsgi_app) -> Party:  # type: ignore[no-untyped-def]
    return make_party("alice", wsgi_app)


@pytest.fixture
def mallory(db, wsgi_app) -> Party:  # type: ignore[no-untyped-def]
    return make_party("mallory", wsgi_app)


@pytest.fixture
def staff(db, wsgi_app) -> Party:  # type: ignore[no-untyped-def]
    return make_party("staff", wsgi_app, is_staff=True)


def etags_of(replies: dict[str, Reply]) -> dict[str, str]:
    return {path: reply.headers["etag"] for path, reply in replies.items()}


def variants(route: Route, ids: dict[str, int], etag: str | None, only: tuple[str, ...] | None = None) -> Requests:
    """The requests one route is tried with (those named in ``only``)."""
    url = route.url(ids)
    path, _, query = url.partition("?")
    found: Requests = {"plain": (url, {}), "slash": (f"{path}/{'?' if query else ''}{query}", {})}
    if route.method in ("GET", "HEAD") and etag:
        found["if-none-match"] = (url, {"HTTP_IF_NONE_MATCH": etag})
    if route.method == "GET":
        found["format=json"] = (f"{url}{'&' if query else '?'}format=json", {})
    return found if only is None else {label: found[label] for label in found if label in only}


def etag_for(etags: dict[str, str], route: Route) -> str | None:
    """Alice's ETag of the cached GET at ``route``'s path, if it has one."""
    return etags.get(route.path.partition("?")[0])


def cache_states(alice: Party) -> Iterator[tuple[str, dict[str, str], dict[str, Reply] | None]]:
    """Yield ("warm", etags, replies) once alice has read every cached GET of hers, then
    ("cold", etags, None) with nothing of hers cached (the ETags still name her data, for
    If-None-Match)."""
    warm = read_all(alice)
    yield "warm", etags_of(warm), warm
    forget_cache(alice.user.id)
    yield "cold", etags_of(warm), None


# --- the table is the URLconf's ----------------------------------------------------


def test_the_table_covers_every_route_and_method_under_api_users():
    table = {(route.name, route.method) for route in SWEPT + CALLER_ROUTES}
    found = set()
    for _regex, pattern in user_url_patterns():
        view = pattern.callback.view_class()
        view.setup(HttpRequest())  # as Django does: HEAD comes with GET
        found |= {(pattern.name, method) for method in view.allowed_methods}
    assert found - table == set(), "routes or methods the IDOR sweep does not try"
    assert {name for name, _ in found} == {name for name, _ in table}


def test_every_path_of_the_table_resolves_to_its_route():
    for route in SWEPT + CALLER_ROUTES:
        url = route.url({"user": 7, "goal": 8, "task": 9, "snapshot": 10}).partition("?")[0]
        for suffix in ("", "/"):
            assert resolve(url + suffix).url_name == route.name, url + suffix


# --- alice's paths ---------------------------------------------------------------


@pytest.mark.parametrize("routes", by_path(SWEPT), ids=group_id)
def test_another_users_path_is_403_and_changes_nothing(routes, alice, mallory):
    unknown = {**alice.ids, "user": UNKNOWN_ID}
    for state, etags, warm in cache_states(alice):
        db_before, cache_before = db_state(), cache_state(alice.user.id)
        for transport, send in mallory.sends.items():
            answered_before = fast_path_answers()
            for route in routes:
                # Every variant where a hit could answer it; cold, the plain and conditional
                # ones, and an unknown user's path (nothing of theirs is cached in either state).
                labels = None if state == "warm" else ("plain", "if-none-match")
                tries = [(alice.ids, variants(route, alice.ids, etag_for(etags, route), only=labels))]
                if state == "cold":
                    tries.append((unknown, variants(route, unknown, None, only=("plain",))))
                for target, requests in tries:
                    for label, (url, headers) in requests.items():
                        reply = send(route.method, url, route.body_for(target), **headers)
                        context = (state, transport, route.method, url, label)
                        assert_refused(reply, 403, context)
                        assert_nothing_leaked(reply, set(etags.values()), context)
            assert fast_path_answers() == answered_before, (state, transport, "the fast path answered mallory")
        assert db_state() == db_before, state
        assert_cache_unchanged(cache_before, cache_state(alice.user.id))
        if warm is not None:
            assert_still_hits(alice, warm)


@pytest.mark.parametrize("routes", by_path(SWEPT), ids=group_id)
def test_staff_on_an_unknown_user_is_404(routes, staff):
    before = db_state()
    ids = {**staff.ids, "user": UNKNOWN_ID}  # real object ids, under a user that does not exist
    for transport, send in staff.sends.items():
        for route in routes:
            for label, (url, headers) in variants(route, ids, None, only=("plain", "slash")).items():
                reply = send(route.method, url, route.body_for(ids), **headers)
                context = (transport, route.method, url, label)
                assert_refused(reply, 404, context)
                assert b"staff " not in reply.body, (context, reply)  # none of the staff user's own data
    assert db_state() == before


# --- alice's object ids on another user's path --------------------------------------


def status_of_unknown_object(route: Route) -> int:
    """API.md: 404 for an unknown object; tasks take no PUT (405); OPTIONS describes the
    route and the task list's ``goal_id`` filter matches nothing (200)."""
    if route.method == "OPTIONS" or "?" in route.path:
        return 200
    return 405 if (route.name, route.method) == ("task-detail", "PUT") else 404


@pytest.mark.parametrize("routes", by_path(OBJECT_ROUTES), ids=group_id)
def test_alices_object_ids_on_an_allowed_path_answer_as_unknown_ids(routes, alice, mallory, staff):
    """Mallory on her own path, and staff on mallory's, with alice's goal, task and snapshot
    ids: the answer is the one every object id unknown gets, byte for byte."""
    ids = {**alice.ids, "user": mallory.user.id}
    unknown = {**dict.fromkeys(ids, UNKNOWN_ID), "user": mallory.user.id}
    # Staff through the view only: the fast path never answers a token on another user's path.
    callers = [*(("mallory", t, send) for t, send in mallory.sends.items()), ("staff", "django", staff.sends["django"])]
    expected: dict[tuple[str, str, str, str], Reply] = {}
    for state, etags, warm in cache_states(alice):
        db_before, cache_before = db_state(), cache_state(alice.user.id)
        for caller, transport, send in callers:
            for route in routes:
                etag = etag_for(etags, route)
                requests = variants(route, ids, etag, only=("plain", "if-none-match", "format=json"))
                for label, (url, headers) in requests.items():
                    reply = send(route.method, url, route.body_for(ids), **headers)
                    context = (state, caller, transport, route.method, url, label)
                    if (caller, transport, route.method, label) not in expected:  # the same in both states
                        unknown_url, unknown_headers = variants(route, unknown, etag)[label]
                        expected[caller, transport, route.method, label] = send(
                            route.method, unknown_url, route.body_for(unknown), **unknown_headers
                        )
                    assert reply.status == status_of_unknown_object(route), (context, reply)
                    assert reply.body == expected[caller, transport, route.method, label].body, (context, reply)
                    assert_nothing_leaked(reply, set(etags.values()), context)
        assert db_state() == db_before, state
        assert_cache_unchanged(cache_before, cache_state(alice.user.id))
        if warm is not None:
            assert_still_hits(alice, warm)


@pytest.mark.parametrize(
    ("route", "body"),
    [
        (Route("task-list", "POST", "/api/users/{user}/tasks"), {"title": "Borrowed"}),
        (Route("task-detail", "PATCH", "/api/users/{user}/tasks/{task}"), {}),
    ],
    ids=["POST /tasks", "PATCH /tasks/{task}"],
)
def test_alices_goal_id_in_a_task_body_is_400(route, body, alice, mallory, staff):
    url = route.url(mallory.ids)
    before = db_state()
    for caller, party in (("mallory", mallory), ("staff", staff)):
        for transport, send in party.sends.items():
            theirs = send(route.method, url, {**body, "goal_id": alice.goal.id})
            unknown = send(route.method, url, {**body, "goal_id": UNKNOWN_ID})
            context = (caller, transport)
            assert theirs.status == 400 and set(json.loads(theirs.body)) == {"goal_id"}, (context, theirs)
            assert theirs.body == unknown.body, (context, theirs, unknown)
            assert_nothing_leaked(theirs, set(), context)
    assert db_state() == before


SPELLINGS = ("0{id}", "{id}.0", "+{id}", "{id}%20", "{id}%00", "{id}/..", "{id}%2F", "{pct}")


def test_other_spellings_of_alices_id_never_reach_her_entries(alice, mallory):
    """Ids with a leading zero, a sign, a suffix, an encoded slash or NUL, or percent-encoded
    digits: 404 (no route) or 403 (her path after all), never one of her entries."""
    warm = read_all(alice)
    etags = set(etags_of(warm).values())
    pct = "".join(f"%{ord(c):02X}" for c in str(alice.user.id))
    for spelling in SPELLINGS:
        user = spelling.format(id=alice.user.id, pct=pct)
        for transport, send in mallory.sends.items():
            answered_before = fast_path_answers()
            for route in CACHED_GETS:
                url = route.path.format(**{**alice.ids, "user": user})
                reply = send("GET", url, HTTP_IF_NONE_MATCH=warm[route.path].headers["etag"])
                assert reply.status in (403, 404), (spelling, transport, url, reply)
                assert_nothing_leaked(reply, etags, (spelling, transport, url))
            assert fast_path_answers() == answered_before, (spelling, transport)
    assert_still_hits(alice, warm)


# --- routes that act on the caller -------------------------------------------------


def test_me_is_always_the_callers_own_profile(alice, mallory):
    warm = read_all(alice)
    profile_etag = warm["/api/users/{user}"].headers["etag"]
    assert alice.sends["wsgi"]("GET", "/api/users/me").status == 200  # alice's "me" is cached too
    db_before, cache_before = db_state(), cache_state(alice.user.id)
    for transport, send in mallory.sends.items():
        for method, url, headers in [
            ("GET", "/api/users/me", {}),
            ("GET", "/api/users/me/", {"HTTP_IF_NONE_MATCH": profile_etag}),
            ("GET", f"/api/users/me?user_id={alice.user.id}&format=json", {}),
            ("HEAD", "/api/users/me", {"HTTP_IF_NONE_MATCH": profile_etag}),
        ]:
            reply = send(method, url, **headers)
            assert reply.status == 200, (transport, url, reply)
            assert method == "HEAD" or json.loads(reply.body)["id"] == mallory.user.id, (transport, url, reply)
            assert_nothing_leaked(reply, {profile_etag}, (transport, url))
    assert db_state() == db_before
    for transport, send in mallory.sends.items():
        forged = {"id": alice.user.id, "user_id": alice.user.id, "username": "alice", "display_name": "Mallory"}
        reply = send("PATCH", "/api/users/me", forged)
        assert reply.status == 200 and json.loads(reply.body)["id"] == mallory.user.id, (transport, reply)
        assert_nothing_leaked(reply, {profile_etag}, transport)
    assert_cache_unchanged(cache_before, cache_state(alice.user.id))
    assert rows_of(db_state(), alice.user.id) == rows_of(db_before, alice.user.id)
    assert_still_hits(alice, warm)


def rows_of(state: dict[str, list[dict[str, Any]]], user_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of one user in a ``db_state()``: the user itself and every row naming it."""
    return {
        table: [row for row in rows if row.get("user_id", row["id"] if table == "auth.User" else None) == user_id]
        for table, rows in state.items()
    }


def test_only_staff_create_users(mallory):
    before = db_state()
    body = {"username": "alice2", "password": "Corr3ct-Horse!", "email": "x@example.com", "is_staff": True}
    for transport, send in mallory.sends.items():
        for url in ("/api/users", "/api/users/"):
            assert_refused(send("POST", url, body), 403, (transport, url))
    assert db_state() == before


def test_logout_revokes_the_callers_token_only(alice, mallory):
    warm = read_all(alice)
    before = rows_of(db_state(), alice.user.id)
    for transport, send in mallory.sends.items():
        assert send("POST", "/api/auth/logout", {"token": "x", "user_id": alice.user.id}).status == 204, transport
        assert send("GET", f"/api/users/{mallory.user.id}/goals").status == 401, transport
    assert rows_of(db_state(), alice.user.id) == before
    assert_still_hits(alice, warm)


# --- the real backends -------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_warm_sweep_on_postgresql_and_redis(wsgi_app):
    """Real commits, and the fast path's script on the real Redis: mallory on every route of
    alice's, with alice's entries warm, is refused by Django and changes nothing."""
    alice, mallory = (make_party(name, wsgi_app, commit=False) for name in ("alice", "mallory"))
    warm = read_all(alice)
    etags = etags_of(warm)
    db_before, cache_before = db_state(), cache_state(alice.user.id)
    answered_before = fast_path_answers()
    for route in SWEPT:
        for label, (url, headers) in variants(route, alice.ids, etag_for(etags, route)).items():
            reply = mallory.sends["wsgi"](route.method, url, route.body_for(alice.ids), **headers)
            assert_refused(reply, 403, (route.method, url, label))
            assert_nothing_leaked(reply, set(etags.values()), (route.method, url, label))
    assert fast_path_answers() == answered_before
    assert db_state() == db_before
    assert_cache_unchanged(cache_before, cache_state(alice.user.id))
    assert_still_hits(alice, warm)
