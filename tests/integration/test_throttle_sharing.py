"""Throttles are counted in Redis: two app servers (two gunicorns, two workers each) on one
Redis and one PostgreSQL share every count, so moving from one worker or server to
another buys an attacker nothing."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bench.client import Api, Reply
from bench.services import Database, Gunicorn, free_port, migrate, run_command, service_env
from tests.checker import server_url

pytestmark = pytest.mark.integration

PASSWORD = "a-long-enough-password-42"  # noqa: S105  (a test account's)
USERNAMES = ("carol", "dave")  # one per test: each test spends its user's throttle


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """The ports of two app servers sharing one database and one Redis, with throttles on."""
    directory: Path = tmp_path_factory.mktemp("throttles")
    database = Database(server_url(), f"aipal_throttles_{os.getpid()}")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"aipalthrottles{os.getpid()}"
    env = service_env(database_url=database.url, redis_url=redis_url, key_prefix=prefix)
    env.update(THROTTLE_LOGIN="3/min", THROTTLE_USER="6/min", THROTTLE_ANON="off")
    gunicorns = [Gunicorn(free_port(), 2, env, directory, name=f"web{n}") for n in range(2)]
    try:
        database.create()
        migrate(env)
        for username in USERNAMES:
            account = {"DJANGO_SUPERUSER_USERNAME": username, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
            account["DJANGO_SUPERUSER_EMAIL"] = f"{username}@example.com"
            command = [sys.executable, "manage.py", "createsuperuser", "--noinput"]
            run_command(command, {**env, **account}, "createsuperuser")
        for gunicorn in gunicorns:
            gunicorn.start()
        yield [gunicorn.port for gunicorn in gunicorns]
    finally:
        for gunicorn in gunicorns:
            gunicorn.stop()
        database.drop()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)


def login(port: int, username: str, password: str) -> Reply:
    api = Api(port)
    try:
        return api.request("POST", "/api/auth/token/", {"username": username, "password": password})
    finally:
        api.close()


def test_failed_logins_are_counted_across_servers(servers):
    first, second = servers
    assert [login(port, "carol", "wrong").status for port in (first, second, first)] == [400, 400, 400]
    assert login(second, "carol", PASSWORD).status == 429
    assert login(first, "carol", PASSWORD).status == 429


def test_requests_of_a_user_are_counted_across_servers(servers):
    first, second = servers
    token = login(first, "dave", PASSWORD).json()["token"]
    apis = [Api(port, token) for port in (first, second)]
    me = apis[0].request("GET", "/api/users/me").json()
    goals = f"/api/users/{me['id']}/goals"
    replies = [apis[n % 2].request("GET", goals) for n in range(5)]  # 6 requests in all
    assert [reply.status for reply in replies] == [200] * 5
    assert {reply.x_cache for reply in replies[2:]} == {"HIT"}  # answered by the fast path's call
    assert apis[0].request("GET", goals).status == 429
    assert apis[1].request("GET", "/api/users/me").status == 429
    for api in apis:
        api.close()
