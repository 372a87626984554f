"""A write request invalidates in one Redis round trip, however many rows and events it
touches (besides the one of its user's throttle); a rolled-back savepoint's bumps are
dropped. Bumps of several users share one round trip per master serving them (one on a
single server)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from aipal.cache import client
from aipal.cache.invalidation import batched
from goals.models import Goal
from tasks.models import Task
from tests.api.factories import GoalFactory, TaskFactory
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.topology import generations_key, masters_serving

# Real commits: on_commit callbacks run inside the request, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _invalidations(sent: list[object]) -> list[object]:
    """The round trips of ``sent`` besides the request's one throttle charge (asserted here)."""
    charges = [command for command in sent if b":throttle:user:" in b"".join(_chunks(command))]
    assert len(charges) == 1, sent
    return [command for command in sent if command not in charges]


def _chunks(command: object) -> list[bytes]:
    return [bytes(chunk) for chunk in command] if isinstance(command, list | tuple) else [bytes(command)]


def _generations(user_id: int) -> dict[bytes, bytes]:
    return client.redis_client().hgetall(generations_key(user_id))


@pytest.fixture(params=[False, True], ids=["autocommit", "atomic-requests"])
def atomic_requests(request, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", request.param)
    return request.param


def test_deleting_a_goal_with_tasks_costs_one_round_trip(atomic_requests, redis_round_trips):
    user = UserFactory()
    goal = GoalFactory(user=user)
    TaskFactory.create_batch(5, user=user, goal=goal)
    api = client_for(user, APIClient)
    assert api.get(f"/api/users/{user.id}/goals/{goal.id}").status_code == 200  # pool and epoch warm
    before = _generations(user.id)
    redis_round_trips.clear()

    assert api.delete(f"/api/users/{user.id}/goals/{goal.id}").status_code == 204

    assert len(_invalidations(redis_round_trips)) == 1, redis_round_trips
    after = _generations(user.id)
    changed = {field for field in after if after[field] != before.get(field)}
    task_ids = Task.objects.filter(user=user).values_list("id", flat=True)
    assert changed >= {b"GOAL_LIST", b"TASK_LIST", b"DASHBOARD", f"GOAL_DETAIL:{goal.id}".encode()}
    assert {f"TASK_DETAIL:{t}".encode() for t in task_ids} <= changed


def test_a_profile_patch_touching_two_rows_costs_one_round_trip(atomic_requests, redis_round_trips):
    user = UserFactory()
    api = client_for(user, APIClient)
    assert api.get(f"/api/users/{user.id}").status_code == 200
    redis_round_trips.clear()
    response = api.patch(f"/api/users/{user.id}", {"email": "new@example.com", "display_name": "N"}, format="json")
    assert response.status_code == 200
    assert len(_invalidations(redis_round_trips)) == 1, redis_round_trips


def test_a_rolled_back_savepoint_drops_its_bumps(redis_round_trips):
    kept, dropped = UserFactory(), UserFactory()
    client.server_run_id(kept.id)  # learnt before counting
    before = _generations(dropped.id)
    redis_round_trips.clear()
    with batched():
        with transaction.atomic():
            Goal.objects.create(user=kept, description="kept")
            try:
                with transaction.atomic():
                    Goal.objects.create(user=dropped, description="rolled back")
                    raise RuntimeError("abort the savepoint")
            except RuntimeError:
                pass
    assert len(redis_round_trips) == 1
    assert b"GOAL_LIST" in _generations(kept.id)
    assert _generations(dropped.id) == before


def test_bumps_of_several_transactions_in_one_block_share_the_round_trip(redis_round_trips):
    # More users than masters: on a cluster some share a master, hence a pipeline.
    users = UserFactory.create_batch(max(3, len(client.masters(client.redis_client())) + 1))
    for user in users:
        client.server_run_id(user.id)  # learnt before counting
    redis_round_trips.clear()
    with batched():
        for user in users:
            with transaction.atomic():
                Goal.objects.create(user=user, description="g")
        assert redis_round_trips == []  # nothing leaves before the block ends
    assert len(redis_round_trips) == masters_serving(user.id for user in users)
    assert all(b"GOAL_LIST" in _generations(user.id) for user in users)
