"""PostgreSQL read replicas with a real lag: a private primary and a streaming replica
(``pg_basebackup -R``, ``recovery_min_apply_delay = 1s``) on free ports, the service in
gunicorn with ``DATABASE_REPLICA_URLS``.

Which server loaded a read's rows is counted on the servers themselves
(pg_stat_statements: SELECTs on the app's tables). Where a test needs the replica
behind for sure, it pauses the replica's replay instead of racing its delay.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.client import Api, Reply
from bench.consistency.replicas import ReplicatedDatabase
from bench.consistency.services import create_user
from bench.services import Gunicorn, RedisProcess, free_port, migrate, service_env
from tests.checker import run_checker

pytestmark = [pytest.mark.integration, pytest.mark.scale]


class Service:
    def __init__(self, database: ReplicatedDatabase, gunicorn: Gunicorn, env: dict[str, str]) -> None:
        self.database, self.gunicorn, self.env = database, gunicorn, env

    def user(self, username: str) -> tuple[Api, int, int]:
        """A user with a token and one goal ("v0"): its client, id and goal id."""
        password = secrets.token_urlsafe(12)
        user_id = create_user(self.env, username, password)
        api = Api(self.gunicorn.port)
        api.token = api.request("POST", "/api/auth/token", {"username": username, "password": password}).json()["token"]
        reply = api.request("POST", f"/api/users/{user_id}/goals", {"description": "v0"})
        assert reply.status == 201, reply
        return api, user_id, int(reply.json()["id"])

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has inserted (the
        position the app routes by, ``aipal.db.wal``)."""
        with self.database.primary.connect() as primary, self.database.replica.connect() as replica:
            target = primary.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if replica.execute("SELECT pg_last_wal_replay_lsn() >= %s", (target,)).fetchone()[0]:
                    return
                time.sleep(0.05)
        pytest.fail("the replica did not catch up")

    def replay(self, *, paused: bool) -> None:
        with self.database.replica.connect() as replica:
            replica.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")

    def loads(self) -> dict[str, int]:
        return self.database.loads()


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    workdir = Path(tempfile.mkdtemp(prefix="aipal-replicas-"))
    database = ReplicatedDatabase("aipal_replicas", delay=1.0)
    redis_server = RedisProcess(free_port(), workdir, snapshots=False)
    gunicorn = None
    try:
        redis_server.start()
        database.create()
        env = service_env(
            database_url=database.url,
            redis_url=redis_server.url,
            key_prefix="aipalreplicas",
            DATABASE_REPLICA_URLS=database.replica_url,
        )
        migrate(env)
        gunicorn = Gunicorn(free_port(), 1, env, workdir)
        gunicorn.start()
        yield Service(database, gunicorn, env)
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        redis_server.stop()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before}


def _counted(service: Service, api: Api, path: str) -> tuple[Reply, dict[str, int]]:
    """GET ``path``; return the answer and the data SELECTs it cost each server."""
    before = service.loads()
    reply = api.request("GET", path)
    return reply, _delta(before, service.loads())


def test_a_user_who_has_not_written_lately_is_read_from_the_replica(service):
    api, user_id, _ = service.user("idle")
    service.caught_up()
    reply, delta = _counted(service, api, f"/api/users/{user_id}/goals?status=all")
    assert (reply.status, reply.x_cache, reply.json()[0]["description"]) == (200, "MISS", "v0")
    assert delta["replica_data_selects"] >= 1 and delta["primary_data_selects"] == 0, delta


def test_a_read_right_after_the_users_own_write_is_not_read_from_the_replica(service):
    api, user_id, goal_id = service.user("writer")
    service.caught_up()
    service.replay(paused=True)  # the replica stays behind the write below, however slow the test
    try:
        before = service.loads()
        assert api.request("PATCH", f"/api/users/{user_id}/goals/{goal_id}", {"description": "v1"}).status == 200
        fast = api.request("GET", f"/api/users/{user_id}/goals/{goal_id}")  # the fast path's miss
        listed = _drf_get(service.gunicorn.port, api.token, f"/api/users/{user_id}/goals?status=all")
        delta = _delta(before, service.loads())
        assert (fast.status, fast.x_cache, fast.json()["description"]) == (200, "MISS", "v1")
        assert listed == (200, "MISS", "v1")
        assert delta["replica_data_selects"] == 0 and delta["primary_data_selects"] >= 2, delta
    finally:
        service.replay(paused=False)
    service.caught_up()  # the replica has now replayed the write: the user's next miss may use it
    later, delta = _counted(service, api, f"/api/users/{user_id}/goals?status=all&limit=7")
    assert (later.status, later.x_cache, later.json()[0]["description"]) == (200, "MISS", "v1")
    assert delta["replica_data_selects"] >= 1 and delta["primary_data_selects"] == 0, delta


def test_a_replica_that_is_down_sends_reads_to_the_primary(service):
    api, user_id, _ = service.user("unlucky")
    service.caught_up()
    service.database.replica.stop()  # the last test of the module: the replica is gone for good
    reply = api.request("GET", f"/api/users/{user_id}/goals?status=all&limit=3")
    again = api.request("GET", f"/api/users/{user_id}/goals?status=all&limit=4")
    assert (reply.status, reply.x_cache, reply.json()[0]["description"]) == (200, "MISS", "v0")
    assert (again.status, again.x_cache) == (200, "MISS")
    assert "reads go to the primary" in service.gunicorn.log.read_text()


def _drf_get(port: int, token: str, path: str) -> tuple[int, str | None, str]:
    """A GET the fast path leaves to DRF (an Accept header it does not handle)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}", "Accept": "application/json; q=1"})
        response = conn.getresponse()
        body = json.loads(response.read())
        return response.status, response.getheader("X-Cache"), body[0]["description"]
    finally:
        conn.close()


def test_the_consistency_checker_reads_nothing_stale_through_a_lagging_replica():
    figures, output, returncode = run_checker("--seconds", "20", "--replica-delay", "1")
    replica = figures["replica"]
    assert figures["stale_reads"] == 0 and figures["errors"] == 0, output
    assert replica["bystander"]["stale_reads"] == 0 and replica["bystander"]["errors"] == 0, output
    assert replica["bystander"]["reads"] > 50 and replica["bystander"]["writes"] >= 3, output
    assert replica["loads"]["replica_data_selects"] > 20, output  # the replica really served reads
    assert figures["reads"] > 100 and figures["writes"] > 30, output
    assert returncode == 0, output
