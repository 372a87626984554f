"""Goal endpoints: API.md "Goals" (fields, lists, writes, completion, deletion)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from goals.models import Goal
from tasks.models import Task
from tests.api.factories import GoalFactory, TaskFactory
from tests.api.helpers import GOAL_FIELDS, goals_url, parse_time, tasks_url

pytestmark = pytest.mark.django_db


def descriptions(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [goal["description"] for goal in response.json()]


# --- create and read -------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_create_goal_with_defaults(api, user, slash):
    before = timezone.now()

    response = api.post(goals_url(user.id) + slash, {"description": "Learn Lua"}, format="json")

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    assert "X-Cache" not in response
    body = response.json()
    assert set(body) == GOAL_FIELDS
    assert body["user_id"] == user.id
    assert body["description"] == "Learn Lua"
    assert body["importance"] == 5
    assert body["complexity_level"] == "mini"
    assert body["estimated_value"] is None
    assert body["status"] == "active"
    assert body["deadline"] is None
    assert body["completed_at"] is None
    assert body["progress"] == {"tasks_total": 0, "tasks_completed": 0}
    assert parse_time(body["created_at"]) >= before
    assert parse_time(body["updated_at"]) >= before
    assert Goal.objects.get(pk=body["id"]).user_id == user.id


def test_create_goal_with_every_field(api, user):
    payload = {
        "description": "Ship v2",
        "importance": 10,
        "complexity_level": "mega",
        "estimated_value": 12.5,
        "deadline": "2031-05-04T12:30:00Z",
    }

    response = api.post(goals_url(user.id), payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {name: body[name] for name in payload if name != "deadline"} == {
        name: value for name, value in payload.items() if name != "deadline"
    }
    assert parse_time(body["deadline"]) == datetime(2031, 5, 4, 12, 30, tzinfo=UTC)


def test_create_goal_as_completed_stamps_completed_at(api, user):
    response = api.post(goals_url(user.id), {"description": "Done already", "status": "completed"}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] is not None


def test_create_goal_boundaries(api, user):
    response = api.post(goals_url(user.id), {"description": "x" * 2000, "importance": 1}, format="json")

    assert response.status_code == 201, response.content
    assert len(response.json()["description"]) == 2000


@pytest.mark.parametrize("slash", ["", "/"])
def test_goal_detail(api, user, goal, slash):
    response = api.get(goals_url(user.id, goal.id) + slash)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == GOAL_FIELDS
    assert (body["id"], body["user_id"], body["description"]) == (goal.id, user.id, goal.description)


def test_goal_progress_counts_its_tasks(api, user, goal):
    TaskFactory.create_batch(2, user=user, goal=goal, status="completed")
    TaskFactory.create_batch(3, user=user, goal=goal)
    TaskFactory(user=user)  # no goal

    detail = api.get(goals_url(user.id, goal.id)).json()
    listed = api.get(goals_url(user.id)).json()

    assert detail["progress"] == {"tasks_total": 5, "tasks_completed": 2}
    assert listed[0]["progress"] == {"tasks_total": 5, "tasks_completed": 2}


# --- lists -----------------------------------------------------------------------


@pytest.fixture
def goals_by_status(user):
    return {
        status: GoalFactory(user=user, status=status, description=f"{status} goal")
        for status in ("active", "completed", "abandoned")
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["active goal"]),
        ("?status=active", ["active goal"]),
        ("?status=completed", ["completed goal"]),
        ("?status=abandoned", ["abandoned goal"]),
        ("?status=all", ["abandoned goal", "completed goal", "active goal"]),
    ],
)
def test_goal_list_status_filter(api, user, goals_by_status, query, expected):
    response = api.get(goals_url(user.id) + query)

    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert all(set(goal) == GOAL_FIELDS for goal in response.json())
    assert descriptions(response) == expected


def test_goal_list_is_newest_first_by_created_at_then_id(api, user):
    now = timezone.now()
    old = GoalFactory(user=user, created_at=now - timedelta(days=2), description="old")
    tie_a = GoalFactory(user=user, created_at=now, description="tie-a")
    tie_b = GoalFactory(user=user, created_at=now, description="tie-b")
    middle = GoalFactory(user=user, created_at=now - timedelta(days=1), description="middle")

    response = api.get(goals_url(user.id))

    assert [goal["id"] for goal in response.json()] == [tie_b.id, tie_a.id, middle.id, old.id]


def test_goal_list_shows_only_the_users_goals(api, user, goal, other_goal):
    assert [g["id"] for g in api.get(goals_url(user.id)).json()] == [goal.id]


@pytest.mark.parametrize(("limit", "count"), [("1", 1), ("3", 3), ("1000", 5), (None, 5)])
def test_goal_list_limit(api, user, limit, count):
    GoalFactory.create_batch(5, user=user)
    query = "" if limit is None else f"?limit={limit}"

    response = api.get(goals_url(user.id) + query)

    assert len(response.json()) == count


def test_goal_list_limit_defaults_to_100(api, user):
    GoalFactory.create_batch(101, user=user)

    assert len(api.get(goals_url(user.id)).json()) == 100
    assert len(api.get(goals_url(user.id) + "?limit=101").json()) == 101


def test_goal_list_limit_keeps_the_newest(api, user):
    now = timezone.now()
    goals = [GoalFactory(user=user, created_at=now - timedelta(minutes=i)) for i in range(4)]

    response = api.get(goals_url(user.id) + "?limit=2&status=all")

    assert [g["id"] for g in response.json()] == [goals[0].id, goals[1].id]


# --- update ----------------------------------------------------------------------


def test_patch_goal_changes_only_the_given_fields(api, user, goal):
    response = api.patch(goals_url(user.id, goal.id), {"importance": 9}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == GOAL_FIELDS
    assert body["importance"] == 9
    assert body["description"] == goal.description
    goal.refresh_from_db()
    assert goal.importance == 9


def test_put_goal_replaces_the_writable_fields(api, user, goal):
    payload = {
        "description": "Rewritten",
        "importance": 2,
        "complexity_level": "atomic",
        "estimated_value": -3.25,
        "status": "abandoned",
        "deadline": None,
    }

    response = api.put(goals_url(user.id, goal.id) + "/", payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert {name: body[name] for name in payload} == payload
    assert body["completed_at"] is None


def test_put_goal_requires_description(api, user, goal):
    response = api.put(goals_url(user.id, goal.id), {"importance": 2}, format="json")

    assert response.status_code == 400
    assert "description" in response.json()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_goal_status_is_writable(api, user, goal, method):
    url = goals_url(user.id, goal.id)
    base = {"description": goal.description} if method == "put" else {}
    write = getattr(api, method)

    completed = write(url, {**base, "status": "completed"}, format="json")
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    stamp = completed.json()["completed_at"]
    assert stamp is not None

    again = write(url, {**base, "status": "completed"}, format="json")
    assert again.json()["completed_at"] == stamp

    for status in ("abandoned", "active"):
        changed = write(url, {**base, "status": status}, format="json")
        assert changed.status_code == 200
        assert changed.json()["status"] == status
        assert changed.json()["completed_at"] is None
    goal.refresh_from_db()
    assert (goal.status, goal.completed_at) == ("active", None)


def test_patch_goal_updates_updated_at_only(api, user, goal):
    before = api.get(goals_url(user.id, goal.id)).json()

    after = api.patch(goals_url(user.id, goal.id), {"description": "New words"}, format="json").json()

    assert parse_time(after["updated_at"]) >= parse_time(before["updated_at"])
    assert after["created_at"] == before["created_at"]
    assert after["id"] == before["id"]


# --- complete --------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_complete_goal(api, user, goal, slash):
    response = api.post(goals_url(user.id, goal.id) + "/complete" + slash)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == GOAL_FIELDS
    assert body["status"] == "completed"
    assert parse_time(body["completed_at"]) <= timezone.now()
    goal.refresh_from_db()
    assert goal.status == "completed"


def test_completing_a_completed_goal_is_a_noop(api, user, goal):
    url = goals_url(user.id, goal.id) + "/complete"
    first = api.post(url).json()
    updated_at = Goal.objects.get(pk=goal.pk).updated_at

    second = api.post(url)

    assert second.status_code == 200
    assert second.json()["completed_at"] == first["completed_at"]
    assert second.json() == first
    assert Goal.objects.get(pk=goal.pk).updated_at == updated_at


def test_an_abandoned_goal_may_be_completed(api, user):
    goal = GoalFactory(user=user, status="abandoned")

    response = api.post(goals_url(user.id, goal.id) + "/complete")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] is not None


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_complete_takes_only_post(api, user, goal, method):
    response = getattr(api, method)(goals_url(user.id, goal.id) + "/complete")

    assert response.status_code == 405
    assert Goal.objects.get(pk=goal.pk).status == "active"


# --- delete ----------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_delete_goal_keeps_its_tasks_without_goal(api, user, goal, slash):
    tasks = TaskFactory.create_batch(2, user=user, goal=goal)

    response = api.delete(goals_url(user.id, goal.id) + slash)

    assert response.status_code == 204
    assert response.content == b""
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert list(Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("goal_id", flat=True)) == [None, None]
    assert api.get(goals_url(user.id, goal.id)).status_code == 404
    for task in tasks:
        assert api.get(tasks_url(user.id, task.id)).json()["goal_id"] is None


def test_delete_goal_twice_is_404(api, user, goal):
    assert api.delete(goals_url(user.id, goal.id)).status_code == 204
    assert api.delete(goals_url(user.id, goal.id)).status_code == 404
