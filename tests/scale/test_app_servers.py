"""Several app servers on one Redis and one PostgreSQL: what one server does, the others see.

Nothing an app server keeps in its own memory may decide what another serves. The
consistency checker runs writers on one gunicorn and readers on another, through a Redis
crash. The focused tests start four gunicorns on a private Redis and a database of
their own (two of this release, one of the next, one cut off from Redis): an
invalidation made by one server is obeyed by the next read on another (also across
releases, as during a rolling deploy), hit and miss totals add up over the servers, and
an invalidation a server cut off from Redis could not apply is replayed by another
server's drainer. Throttles shared across servers are
``tests/integration/test_throttle_sharing.py``'s.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.client import Api
from bench.consistency.services import create_user
from bench.services import Database, Gunicorn, RedisProcess, free_port, migrate, run_command, service_env
from tests.checker import run_checker, server_url

pytestmark = [pytest.mark.integration, pytest.mark.scale]

PASSWORD = "a-long-enough-password-42"  # noqa: S105  (a test account's)


def test_no_stale_read_with_writers_and_readers_on_two_app_servers_and_a_redis_crash():
    figures, output, returncode = run_checker("--app-servers", "2", "--seconds", "20", "--restarts", "1")

    assert figures["stale_reads"] == 0, output
    assert figures["errors"] == 0, output
    assert figures["revoked_tokens_accepted"] == 0, output
    assert figures["reads"] > 100, output
    assert figures["writes"] > 30, output
    assert figures["restarts"] == 1, output
    assert figures["x_cache"]["HIT"] > 0 and figures["x_cache"]["MISS"] > 0, output
    writer, reader = figures["app_servers"]
    assert writer["port"] != reader["port"], output
    assert (writer["writes"], writer["reads"]) == (figures["writes"], 0), output
    assert (reader["writes"], reader["reads"]) == (0, figures["reads"]), output
    assert returncode == 0, output


@dataclass
class Deployment:
    """Two app servers sharing one Redis and one PostgreSQL, one of the next release, and one
    that cannot reach that Redis."""

    first: int
    second: int
    next_release: int
    cut_off: int
    env: dict[str, str]
    user_id: int
    token: str


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    directory: Path = tmp_path_factory.mktemp("app-servers")
    redis_server = RedisProcess(free_port(), directory, snapshots=False)
    database = Database(server_url(), f"aipal_appservers_{os.getpid()}")
    gunicorns: list[Gunicorn] = []
    try:
        redis_server.start()
        database.create()
        env = service_env(database_url=database.url, redis_url=redis_server.url, key_prefix="aipalscale")
        env["CACHE_OUTBOX_POLL_SECONDS"] = "0.2"
        migrate(env)
        user_id = create_user(env, "scale", PASSWORD)
        # The same deployment, as one machine whose route to Redis is gone (connection refused).
        cut_off_env = {**env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
        for name, server_env in (("first", env), ("second", env), ("next-release", env), ("cut-off", cut_off_env)):
            app = "tests.scale.next_release:application" if name == "next-release" else "aipal.wsgi:application"
            gunicorns.append(Gunicorn(free_port(), 1, server_env, directory, name=name, app=app))
        for gunicorn in gunicorns:
            gunicorn.start()
        yield Deployment(*(g.port for g in gunicorns), env, user_id, _login(gunicorns[0].port))
    finally:
        for gunicorn in gunicorns:
            gunicorn.stop()
        redis_server.stop()
        database.drop()


def _login(port: int) -> str:
    api = Api(port)
    reply = api.request("POST", "/api/auth/token", {"username": "scale", "password": PASSWORD})
    api.close()
    assert reply.status == 200, reply.body
    return reply.json()["token"]


def _new_goal(api: Api, user_id: int, description: str) -> str:
    reply = api.request("POST", f"/api/users/{user_id}/goals", {"description": description})
    assert reply.status == 201, reply.body
    return f"/api/users/{user_id}/goals/{reply.json()['id']}"


def _read_until_hit(api: Api, path: str) -> None:
    statuses = [api.request("GET", path).x_cache for _ in range(3)]
    assert "HIT" in statuses, statuses


def test_a_write_on_one_server_is_obeyed_by_the_next_read_on_another(deployment):
    first, second = Api(deployment.first, deployment.token), Api(deployment.second, deployment.token)
    goal = _new_goal(first, deployment.user_id, "v1")
    _read_until_hit(second, goal)

    assert first.request("PATCH", goal, {"description": "v2"}).status == 200
    reply = second.request("GET", goal)

    assert (reply.json()["description"], reply.x_cache) == ("v2", "MISS")


def test_during_a_rolling_deploy_each_release_obeys_the_writes_of_the_other(deployment):
    current, upgraded = Api(deployment.first, deployment.token), Api(deployment.next_release, deployment.token)
    goal = _new_goal(current, deployment.user_id, "v1")
    for api in (current, upgraded):
        _read_until_hit(api, goal)

    assert current.request("PATCH", goal, {"description": "v2"}).status == 200
    assert upgraded.request("GET", goal).json()["description"] == "v2"
    _read_until_hit(current, goal)
    assert upgraded.request("PATCH", goal, {"description": "v3"}).status == 200
    assert current.request("GET", goal).json()["description"] == "v3"


def test_a_token_revoked_on_one_release_is_refused_by_the_other(deployment):
    token = _login(deployment.first)
    current, upgraded = Api(deployment.first, token), Api(deployment.next_release, token)
    goal = _new_goal(current, deployment.user_id, "v1")
    _read_until_hit(upgraded, goal)  # the token's record is in Redis, checked by the fast path

    assert current.request("POST", "/api/auth/logout").status == 204
    assert upgraded.request("GET", goal).status == 401


def _shared_totals(env: dict[str, str]) -> dict[str, int]:
    out = run_command([sys.executable, "manage.py", "cache_stats", "--json"], env, "manage.py cache_stats")
    return json.loads(out)["shared_totals"]


def test_hit_and_miss_totals_add_up_over_the_servers(deployment):
    """Each server adds its counts to the totals in Redis (once a second): ``cache_stats``,
    a third process, reads both servers' hits. The task list is read by this test alone."""
    first, second = Api(deployment.first, deployment.token), Api(deployment.second, deployment.token)
    tasks = f"/api/users/{deployment.user_id}/tasks"
    before = _shared_totals(deployment.env)
    assert [first.request("GET", tasks).x_cache for _ in range(3)] == ["MISS", "HIT", "HIT"]
    assert [second.request("GET", tasks).x_cache for _ in range(3)] == ["HIT", "HIT", "HIT"]

    expected = {"hits:TASK_LIST": before.get("hits:TASK_LIST", 0) + 5}
    expected["misses:TASK_LIST"] = before.get("misses:TASK_LIST", 0) + 1
    deadline = time.monotonic() + 15  # each server flushes its tally every second
    while True:
        totals = _shared_totals(deployment.env)
        seen = {name: totals.get(name, 0) for name in expected}
        if seen == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert seen == expected


def test_an_invalidation_a_cut_off_server_could_not_apply_is_replayed_by_another(deployment):
    """The server without Redis keeps its invalidation in the outbox; the servers that reach
    Redis replay it within their poll interval (0.2 s here), never at the entry's TTL."""
    first, second = Api(deployment.first, deployment.token), Api(deployment.second, deployment.token)
    cut_off = Api(deployment.cut_off, deployment.token)
    goal = _new_goal(first, deployment.user_id, "v1")
    _read_until_hit(second, goal)

    assert cut_off.request("PATCH", goal, {"description": "v2"}).status == 200
    deadline = time.monotonic() + 10
    while (seen := second.request("GET", goal).json()["description"]) != "v2" and time.monotonic() < deadline:
        time.sleep(0.1)

    assert seen == "v2"
