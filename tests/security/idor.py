"""The IDOR sweep's route table and instruments: parties, transports, state snapshots.

``USER_ROUTES`` mirrors API.md's routes under ``/api/users/{user_id}``; ``SWEPT`` adds the
HEAD and OPTIONS every route answers. ``test_idor`` checks the table against the URLconf,
so a route added there without a line here fails the suite instead of escaping the sweep.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from aipal.accounts.tokens import issue
from aipal.cache import client
from aipal.cache.keys import user_key_pattern, user_throttle_key
from ari.models import DIMENSIONS
from tests.conftest import token_client
from tests.wsgi_client import WSGIClient, fast_path_count

SECRET = "alice-secret"  # in every text field of alice's: no answer to anyone else may hold it
UNKNOWN_ID = 987654321


@dataclass(frozen=True)
class Route:
    """One method of one route: its URL name, path template (``{user}``, ``{goal}``,
    ``{task}``, ``{snapshot}``) and JSON body (a value ``"{goal}"`` is replaced by that id)."""

    name: str
    method: str
    path: str
    body: Mapping[str, Any] | None = None

    def url(self, ids: Mapping[str, int]) -> str:
        return self.path.format(**ids)

    def body_for(self, ids: Mapping[str, int]) -> dict[str, Any] | None:
        if self.body is None:
            return None
        return {k: ids[v[1:-1]] if isinstance(v, str) and v in _ID_SLOTS else v for k, v in self.body.items()}


_ID_SLOTS = {"{goal}", "{task}", "{snapshot}"}
_USER = "/api/users/{user}"
SNAPSHOT_BODY = {**dict.fromkeys(DIMENSIONS, 0.9), "task_description": "planted"}

# Every route and method of API.md under /api/users/{user_id}; bodies a valid request would carry.
USER_ROUTES: tuple[Route, ...] = (
    Route("user-profile", "GET", _USER),
    Route("user-profile", "PATCH", _USER, {"display_name": "Planted", "email": "planted@example.com"}),
    Route("ari-latest", "GET", f"{_USER}/ari"),
    Route("ari-latest", "POST", f"{_USER}/ari", SNAPSHOT_BODY),
    Route("ari-history", "GET", f"{_USER}/ari/history"),
    Route("ari-detail", "DELETE", f"{_USER}/ari/{{snapshot}}"),
    Route("ari-predictions", "GET", f"{_USER}/predictions"),
    Route("goal-list", "GET", f"{_USER}/goals"),
    Route("goal-list", "POST", f"{_USER}/goals", {"description": "Planted"}),
    Route("goal-detail", "GET", f"{_USER}/goals/{{goal}}"),
    Route("goal-detail", "PUT", f"{_USER}/goals/{{goal}}", {"description": "Replaced"}),
    Route("goal-detail", "PATCH", f"{_USER}/goals/{{goal}}", {"status": "abandoned"}),
    Route("goal-detail", "DELETE", f"{_USER}/goals/{{goal}}"),
    Route("goal-complete", "POST", f"{_USER}/goals/{{goal}}/complete"),
    Route("task-list", "GET", f"{_USER}/tasks"),
    Route("task-list", "POST", f"{_USER}/tasks", {"title": "Planted", "goal_id": "{goal}"}),
    Route("task-detail", "GET", f"{_USER}/tasks/{{task}}"),
    Route("task-detail", "PATCH", f"{_USER}/tasks/{{task}}", {"status": "running", "goal_id": "{goal}"}),
    Route("task-detail", "PUT", f"{_USER}/tasks/{{task}}", {"title": "Replaced"}),  # 405 for its owner
    Route("task-detail", "DELETE", f"{_USER}/tasks/{{task}}"),
    Route("dashboard", "GET", f"{_USER}/dashboard"),
)
CACHED_GETS = tuple(route for route in USER_ROUTES if route.method == "GET")


def with_head_and_options(routes: tuple[Route, ...]) -> tuple[Route, ...]:
    """Add HEAD to every route with a GET, and OPTIONS to every route."""
    paths = {(route.name, route.path): {r.method for r in routes if r.path == route.path} for route in routes}
    extra = [Route(name, "HEAD", path) for (name, path), methods in paths.items() if "GET" in methods]
    extra += [Route(name, "OPTIONS", path) for name, path in paths]
    return routes + tuple(extra)


SWEPT = with_head_and_options(USER_ROUTES)
# Routes whose answer depends on an object id: in the path, or (the task list's filter) the query.
OBJECT_ROUTES = tuple(r for r in SWEPT if any(slot in r.path for slot in _ID_SLOTS)) + (
    Route("task-list", "GET", f"{_USER}/tasks?goal_id={{goal}}"),
)


def by_path(routes: tuple[Route, ...]) -> list[tuple[Route, ...]]:
    """Group routes by path (in table order): one test sweeps every method of one path."""
    groups: dict[str, list[Route]] = {}
    for route in routes:
        groups.setdefault(route.path, []).append(route)
    return [tuple(group) for group in groups.values()]


def group_id(group: tuple[Route, ...]) -> str:
    """A test id naming the methods and the path: ``GET,PATCH,HEAD,OPTIONS /goals/{goal}``."""
    return f"{','.join(route.method for route in group)} {group[0].path.removeprefix(_USER) or '/'}"


# The routes under /api/users without a user id: they act on the caller (or create a user).
CALLER_ROUTES: tuple[Route, ...] = with_head_and_options(
    (
        Route("user-create", "POST", "/api/users"),
        Route("user-me", "GET", "/api/users/me"),
        Route("user-me", "PATCH", "/api/users/me"),
    )
)


def user_url_patterns() -> Iterator[tuple[str, URLPattern]]:
    """Yield (regex, pattern) for every URL pattern of the URLconf under ``api/users``."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in resolver.url_patterns:
            regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                yield from walk(entry, regex)
            elif regex.startswith("api/users"):
                yield regex, entry

    yield from walk(get_resolver(), "")


# --- parties and transports --------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def __repr__(self) -> str:
        return f"<{self.status} {dict(self.headers)} {self.body[:300]!r}>"


Send = Callable[..., Reply]  # (method, url, body=None, **META headers) -> Reply


def django_send(token: str, app: Any = None, *, commit: bool = True) -> Send:
    """Requests through Django's test client (the view; no fast path; ``app`` and ``commit``
    are the WSGI transport's)."""
    api = token_client(token)

    def send(method: str, url: str, body: Any = None, **headers: str) -> Reply:
        data = "" if body is None else json.dumps(body)
        response = api.generic(method, url, data, content_type="application/json", **headers)
        return Reply(response.status_code, {k.lower(): v for k, v in response.items()}, response.content)

    return send


def wsgi_send(token: str, app: Any = None, *, commit: bool = True) -> Send:
    """Requests through the deployed WSGI stack, the fast path in front of Django (``app``:
    a ``FastPath`` to share, so its route table is built once; ``commit=False`` with real
    commits, see ``WSGIClient``)."""
    wsgi = WSGIClient(token=token, commit=commit)
    if app is not None:
        wsgi.app = app

    def send(method: str, url: str, body: Any = None, **headers: str) -> Reply:
        answer = wsgi.request(method, url, None if body is None else json.dumps(body), **headers)
        return Reply(answer.status, {k.lower(): v for k, v in answer.headers}, answer.body)

    return send


TRANSPORTS: dict[str, Callable[..., Send]] = {"django": django_send, "wsgi": wsgi_send}


@dataclass
class Party:
    """A user with one goal, task and snapshot, and a token per transport."""

    user: Any
    goal: Any
    task: Any
    snapshot: Any
    sends: dict[str, Send] = field(default_factory=dict)

    @classmethod
    def of(cls, user: Any, goal: Any, task: Any, snapshot: Any, *, app: Any = None, commit: bool = True) -> Party:
        party = cls(user, goal, task, snapshot)
        party.sends = {name: make(issue(user)[0], app, commit=commit) for name, make in TRANSPORTS.items()}
        return party

    @property
    def ids(self) -> dict[str, int]:
        return {"user": self.user.id, "goal": self.goal.id, "task": self.task.id, "snapshot": self.snapshot.id}


# --- state: database rows, alice's cache, her reads ----------------------------------


# Tables no request writes (migrations fill them): left out to keep the snapshots cheap.
_STATIC = {"auth.Permission", "contenttypes.ContentType"}


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model a request could write, to compare before and after a sweep."""
    return {
        m._meta.label: list(m._default_manager.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.label not in _STATIC
    }


def cache_state(user_id: int) -> dict[bytes, Any]:
    """Every Redis key under one user's hash tag (entries, generations, token records, fill
    locks, the user's request throttle), with its value."""
    r = client.redis_client()
    state: dict[bytes, Any] = {}
    throttle = user_throttle_key(user_id).encode()
    for key in [*r.scan_iter(match=user_key_pattern(user_id)), *([throttle] if r.exists(throttle) else [])]:
        kind = r.type(key)
        state[key] = r.hgetall(key) if kind == b"hash" else r.get(key) if kind == b"string" else kind
    return state


def assert_cache_unchanged(before: dict[bytes, Any], after: dict[bytes, Any]) -> None:
    """Alice's keys are as they were. The changes allowed: a generation hash that was
    missing may have been started (fresh values for the user and token generations, as
    the fast path starts one on any request: nothing stamped with them exists yet), and
    her throttle may have expired (it lives until her budget is full again), never moved."""
    for key, value in after.items():
        if key in before:
            assert value == before[key], (key, before[key], value)
        else:
            assert key.endswith(b":gen") and set(value) <= {b"*user", b"AUTH_TOKEN"}, (key, value)
    gone = set(before) - set(after)
    assert all(b":throttle:" in key for key in gone), gone


def forget_cache(user_id: int) -> None:
    """Make one user's cache cold: delete every key under the user's hash tag."""
    r = client.redis_client()
    for key in list(r.scan_iter(match=user_key_pattern(user_id))):
        r.delete(key)


def read_all(party: Party) -> dict[str, Reply]:
    """Read every cached GET of ``party`` through the fast path's stack; return the replies."""
    replies = {}
    for route in CACHED_GETS:
        reply = party.sends["wsgi"]("GET", route.url(party.ids))
        assert reply.status == 200 and reply.headers.get("x-cache") in ("MISS", "HIT"), (route.path, reply)
        replies[route.path] = reply
    return replies


def fast_path_answers() -> float:
    """How many requests the fast path answered itself (hits, 304s, misses it loaded)."""
    return sum(fast_path_count(outcome) for outcome in ("hit", "not_modified", "loaded"))


def assert_still_hits(party: Party, warm: dict[str, Reply]) -> None:
    """Every cached GET of ``party`` is a fast-path hit with the body and ETag it had."""
    for route in CACHED_GETS:
        before = fast_path_answers()
        reply = party.sends["wsgi"]("GET", route.url(party.ids))
        assert fast_path_answers() == before + 1, (route.path, "not answered by the fast path")
        assert (reply.status, reply.headers.get("x-cache")) == (200, "HIT"), (route.path, reply)
        assert reply.headers["etag"] == warm[route.path].headers["etag"], route.path
        assert reply.body == warm[route.path].body, route.path


def assert_nothing_leaked(reply: Reply, etags: set[str], context: object) -> None:
    """No trace of alice's data in an answer to someone else: no text of hers, none of her ETags."""
    assert SECRET.encode() not in reply.body.lower(), (context, reply)
    assert reply.headers.get("etag") not in etags, (context, reply)
    assert reply.status != 304, (context, reply)


def assert_refused(reply: Reply, status: int, context: object) -> None:
    """A refusal: ``status``, a JSON ``detail`` (HEAD has no body), nothing from the cache."""
    assert reply.status == status, (context, reply)
    assert "x-cache" not in reply.headers and "etag" not in reply.headers, (context, reply)
    if reply.body:
        assert reply.headers["content-type"] == "application/json", (context, reply)
        assert set(json.loads(reply.body)) == {"detail"}, (context, reply)
