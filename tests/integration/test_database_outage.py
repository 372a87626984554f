"""PostgreSQL unreachable (API.md): cached hits go on answering 200 HIT for valid tokens;
everything else answers 503 JSON within 5 s and writes nothing; /api/health is 503;
everything works again once the database is back, without a restart.

The test cuts its own test database off (ALLOW_CONNECTIONS false, then
pg_terminate_backend on its sessions), never the shared server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from aipal.accounts.tokens import issue
from goals.models import Goal
from tests.api.factories import GoalFactory
from tests.factories import UserFactory
from tests.wsgi_client import WSGIClient

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _admin() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


@contextmanager
def database_cut_off() -> Iterator[None]:
    name = connection.settings_dict["NAME"]
    connection.close()
    with _admin() as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


def timed(call):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_hits_answer_and_everything_else_is_503_until_the_database_is_back(caplog):
    user = UserFactory()
    goal = GoalFactory(user=user, description="before the outage")
    token = issue(user)[0]
    wsgi = WSGIClient(token=token, commit=False)
    cached, uncached = f"/api/users/{user.id}/goals/{goal.id}", f"/api/users/{user.id}/tasks"
    wsgi.get(cached)
    hit = wsgi.get(cached)
    assert hit.header("X-Cache") == "HIT"
    goals_before = Goal.objects.count()

    with database_cut_off():
        during = wsgi.get(cached)
        assert (during.status, during.header("X-Cache"), during.body) == (200, "HIT", hit.body)
        assert wsgi.get(cached, HTTP_IF_NONE_MATCH=hit.header("ETag")).status == 304

        others = {
            "miss": lambda: wsgi.get(uncached),
            "write": lambda: wsgi.request("POST", f"/api/users/{user.id}/goals", '{"description": "lost?"}'),
            "patch": lambda: wsgi.request("PATCH", cached, '{"description": "changed?"}'),
            "login": lambda: WSGIClient(commit=False).request(
                "POST", "/api/auth/token/", '{"username": "x", "password": "y"}'
            ),
            "unknown token": lambda: WSGIClient(token="0" * 64, commit=False).get(cached),
            "browsable api": lambda: wsgi.get(cached, HTTP_ACCEPT="text/html"),
            "health": lambda: WSGIClient(commit=False).get("/api/health"),
            "admin": lambda: WSGIClient(commit=False).get("/admin/", HTTP_COOKIE="sessionid=" + "a" * 32),
        }
        for what, call in others.items():
            response, elapsed = timed(call)
            assert response.status == 503, (what, response)
            assert response.header("Content-Type") == "application/json", what
            assert set(response.json()) >= ({"status"} if what == "health" else {"detail"}), what
            assert elapsed < 5, (what, elapsed)
        assert not [record for record in caplog.records if record.exc_info], "an outage is logged without tracebacks"

    assert Goal.objects.count() == goals_before
    assert Goal.objects.get(pk=goal.pk).description == "before the outage"
    assert WSGIClient(commit=False).get("/api/health").status == 200
    assert wsgi.get(uncached).status == 200
    created = wsgi.request("POST", f"/api/users/{user.id}/goals", '{"description": "after"}')
    assert created.status == 201
    assert wsgi.get(f"/api/users/{user.id}/goals").json()[0]["description"] == "after"
