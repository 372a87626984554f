"""SQL statements per request, pinned: misses run the queries their data needs and no
more (no N+1, no second SELECT of a row already loaded); writes read what they change
once, under a lock where it matters. Token authentication is the first query of each.

On PostgreSQL with real commits (``transaction=True``): the counts are those of
production, without the savepoints a test transaction adds; Django counts a
transaction's BEGIN and COMMIT as statements too (``TX``). A cache hit through the WSGI
fast path runs no query at all (``tests/fastpath``); through the view it runs the
token's only.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from aipal.accounts.tokens import issue
from ari.models import DIMENSIONS
from tests.api.factories import GoalFactory, TaskFactory
from tests.conftest import token_client
from tests.factories import PASSWORD, SnapshotFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AUTH = 1  # the token's SELECT (with its user)
TX = 2  # BEGIN, COMMIT


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    user = UserFactory()
    goals = GoalFactory.create_batch(3, user=user)
    tasks = [TaskFactory(user=user, goal=goal) for goal in goals for _ in range(3)]
    SnapshotFactory.create_batch(5, user=user)
    return user, token_client(issue(user)[0], APIClient), goals, tasks


READS = [
    ("profile", "", 1),
    ("latest ARI", "/ari", 1),
    ("ARI history", "/ari/history?limit=50", 1),
    ("predictions", "/predictions", 1),
    ("dashboard", "/dashboard", 2),
    ("goal list", "/goals?status=all", 1),
    ("goal", "/goals/{goal}", 1),
    ("task list", "/tasks?goal_id={goal}", 1),
    ("task", "/tasks/{task}", 1),
]


@pytest.mark.parametrize(("name", "path", "queries"), READS, ids=[r[0] for r in READS])
def test_a_miss_runs_only_the_queries_its_data_needs(setup, django_assert_num_queries, name, path, queries):
    user, api, goals, tasks = setup
    url = f"/api/users/{user.id}{path}".format(goal=goals[0].id, task=tasks[0].id)
    with django_assert_num_queries(AUTH + queries):
        assert api.get(url)["X-Cache"] == "MISS"
    with django_assert_num_queries(AUTH):
        assert api.get(url)["X-Cache"] == "HIT"


def test_list_queries_do_not_grow_with_the_rows(setup, django_assert_num_queries):
    user, api, goals, tasks = setup
    GoalFactory.create_batch(20, user=user)
    TaskFactory.create_batch(20, user=user, goal=goals[0])
    SnapshotFactory.create_batch(20, user=user)
    for path in ("/goals?status=all", "/tasks", "/ari/history", "/dashboard"):
        with django_assert_num_queries(AUTH + (2 if path == "/dashboard" else 1)):
            api.get(f"/api/users/{user.id}{path}")


def _snapshot_body() -> dict:
    return dict.fromkeys(DIMENSIONS, 0.5)


WRITES = [
    # name, method, path, body, queries beyond the token's
    ("create goal", "post", "/goals", {"description": "d"}, 1),  # INSERT
    ("patch goal", "patch", "/goals/{goal}", {"importance": 2}, TX + 2),  # SELECT .. FOR UPDATE, UPDATE
    ("put goal", "put", "/goals/{goal}", {"description": "p"}, TX + 2),
    ("complete goal", "post", "/goals/{goal}/complete", None, TX + 2),
    ("delete goal", "delete", "/goals/{goal}", None, TX + 4),  # goal, its tasks (to invalidate), SET NULL, DELETE
    ("create task", "post", "/tasks", {"title": "t", "goal_id": "{goal}"}, 2),  # goal check, INSERT
    ("patch task", "patch", "/tasks/{task}", {"status": "running"}, TX + 2),  # SELECT .. FOR UPDATE, UPDATE
    ("move task", "patch", "/tasks/{task}", {"goal_id": "{goal}"}, TX + 3),  # + the goal check
    ("delete task", "delete", "/tasks/{task}", None, TX + 2),  # the task, DELETE
    ("record snapshot", "post", "/ari", _snapshot_body(), 2),  # INSERT, the previous snapshot's retention
    ("delete snapshot", "delete", "/ari/{snapshot}", None, TX + 2),
    ("patch profile", "patch", "", {"display_name": "N", "email": "n@example.com"}, TX + 3),  # user+profile, 2 UPDATEs
]


@pytest.mark.parametrize(("name", "method", "path", "body", "queries"), WRITES, ids=[w[0] for w in WRITES])
def test_a_write_reads_what_it_changes_once(setup, django_assert_num_queries, name, method, path, body, queries):
    user, api, goals, tasks = setup
    ids = {"goal": goals[1].id, "task": tasks[0].id, "snapshot": user.ari_snapshots.first().id}
    url = f"/api/users/{user.id}{path}".format(**ids)
    if body:
        body = {k: int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}
    with django_assert_num_queries(AUTH + queries):
        response = getattr(api, method)(url, body, format="json")
    assert response.status_code < 300, response.content


def test_login_and_logout(setup, django_assert_num_queries):
    user, api, _, _ = setup
    with django_assert_num_queries(TX + 3):  # the user, the user's expired tokens (to delete), INSERT
        response = APIClient().post(
            "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
    assert response.status_code == 200
    with django_assert_num_queries(AUTH + TX + 1):  # DELETE
        assert api.post("/api/auth/logout/").status_code == 204
