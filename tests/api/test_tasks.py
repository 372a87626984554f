"""Task endpoints: API.md "Tasks" (fields, lists, writes, the status machine)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import Task
from tests.api.factories import GoalFactory, TaskFactory
from tests.api.helpers import TASK_FIELDS, assert_error_shape, db_state, goals_url, parse_time, tasks_url

pytestmark = pytest.mark.django_db

STATUSES = ("pending", "running", "completed", "failed")
ALLOWED = {("pending", "running"), ("running", "completed"), ("running", "failed"), ("failed", "pending")}
FORBIDDEN = [(a, b) for a in STATUSES for b in STATUSES if a != b and (a, b) not in ALLOWED]


def ids(response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [task["id"] for task in response.json()]


# --- create and read -------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_create_task_with_defaults(api, user, slash):
    response = api.post(tasks_url(user.id) + slash, {"title": "Write tests"}, format="json")

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == TASK_FIELDS
    assert body["user_id"] == user.id
    assert body["goal_id"] is None
    assert body["title"] == "Write tests"
    assert body["task_type"] == "general"
    assert body["priority"] == 5
    assert body["status"] == "pending"
    assert body["attempts"] == 0
    assert body["result"] is None
    assert body["error_message"] is None
    assert (body["started_at"], body["completed_at"]) == (None, None)
    parse_time(body["created_at"])
    assert Task.objects.get(pk=body["id"]).user_id == user.id


def test_create_task_with_every_field(api, user, goal):
    payload = {
        "title": "t" * 500,
        "task_type": "analysis",
        "priority": 10,
        "goal_id": goal.id,
        "result": {"score": 1.5, "tags": ["a", "b"]},
        "error_message": "",
    }

    response = api.post(tasks_url(user.id), payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {name: body[name] for name in payload} == payload


def test_create_task_always_starts_pending(api, user):
    response = api.post(tasks_url(user.id), {"title": "Sneaky", "status": "completed"}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert response.json()["completed_at"] is None


def test_create_task_updates_its_goals_progress(api, user, goal):
    api.post(tasks_url(user.id), {"title": "Counted", "goal_id": goal.id}, format="json")

    assert api.get(goals_url(user.id, goal.id)).json()["progress"] == {"tasks_total": 1, "tasks_completed": 0}


@pytest.mark.parametrize("slash", ["", "/"])
def test_task_detail(api, user, task, slash):
    response = api.get(tasks_url(user.id, task.id) + slash)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == TASK_FIELDS
    assert (body["id"], body["user_id"], body["goal_id"], body["title"]) == (task.id, user.id, task.goal_id, task.title)


# --- lists -----------------------------------------------------------------------


@pytest.fixture
def task_set(user, goal):
    second_goal = GoalFactory(user=user)
    now = timezone.now()
    return {
        "pending": TaskFactory(user=user, goal=goal, created_at=now - timedelta(minutes=4)),
        "running": TaskFactory(user=user, goal=goal, status="running", created_at=now - timedelta(minutes=3)),
        "completed": TaskFactory(
            user=user, goal=second_goal, status="completed", created_at=now - timedelta(minutes=2)
        ),
        "failed": TaskFactory(user=user, status="failed", created_at=now - timedelta(minutes=1)),
        "second_goal": second_goal,
    }


def test_task_list_is_newest_first(api, user, task_set):
    expected = [task_set[s].id for s in ("failed", "completed", "running", "pending")]

    response = api.get(tasks_url(user.id))

    assert all(set(task) == TASK_FIELDS for task in response.json())
    assert ids(response) == expected


def test_task_list_breaks_created_at_ties_by_id(api, user):
    now = timezone.now()
    first, second = TaskFactory(user=user, created_at=now), TaskFactory(user=user, created_at=now)
    older = TaskFactory(user=user, created_at=now - timedelta(seconds=1))

    assert ids(api.get(tasks_url(user.id))) == [second.id, first.id, older.id]


@pytest.mark.parametrize("status", STATUSES)
def test_task_list_status_filter(api, user, task_set, status):
    assert ids(api.get(tasks_url(user.id) + f"?status={status}")) == [task_set[status].id]


def test_task_list_goal_filter(api, user, goal, task_set):
    assert ids(api.get(tasks_url(user.id) + f"?goal_id={goal.id}")) == [task_set["running"].id, task_set["pending"].id]
    assert ids(api.get(tasks_url(user.id) + f"/?goal_id={goal.id}&status=pending")) == [task_set["pending"].id]
    assert ids(api.get(tasks_url(user.id) + f"?goal_id={task_set['second_goal'].id}")) == [task_set["completed"].id]


def test_task_list_goal_filter_with_an_unknown_goal_is_empty(api, user, task_set, other_goal):
    assert ids(api.get(tasks_url(user.id) + f"?goal_id={other_goal.id}")) == []


def test_task_list_shows_only_the_users_tasks(api, user, task, other_task):
    assert ids(api.get(tasks_url(user.id))) == [task.id]


@pytest.mark.parametrize(("limit", "count"), [("1", 1), ("2", 2), ("1000", 4)])
def test_task_list_limit(api, user, task_set, limit, count):
    response = api.get(tasks_url(user.id) + f"?limit={limit}")

    assert ids(response) == ids(api.get(tasks_url(user.id)))[:count]


def test_task_list_limit_defaults_to_100(api, user):
    TaskFactory.create_batch(101, user=user)

    assert len(api.get(tasks_url(user.id)).json()) == 100


# --- patch -----------------------------------------------------------------------


def test_patch_task_fields(api, user, task):
    new_goal = GoalFactory(user=user)
    payload = {
        "title": "Renamed",
        "task_type": "review",
        "priority": 1,
        "goal_id": new_goal.id,
        "result": {"ok": True},
        "error_message": "note",
    }

    response = api.patch(tasks_url(user.id, task.id), payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == TASK_FIELDS
    assert {name: body[name] for name in payload} == payload
    assert body["status"] == "pending"
    assert api.get(tasks_url(user.id, task.id)).json() == body


def test_patch_task_detaches_it_from_its_goal(api, user, task):
    response = api.patch(tasks_url(user.id, task.id) + "/", {"goal_id": None, "result": None}, format="json")

    assert response.status_code == 200
    assert response.json()["goal_id"] is None
    assert Task.objects.get(pk=task.pk).goal_id is None


def test_tasks_take_no_put(api, user, task):
    before = db_state()

    response = api.put(tasks_url(user.id, task.id), {"title": "Replaced"}, format="json")

    assert response.status_code == 405
    assert "PUT" not in response["Allow"]
    assert "PATCH" in response["Allow"]
    assert_error_shape(response, "detail")
    assert db_state() == before


# --- the status machine ----------------------------------------------------------


def patch_status(api, task, status):  # type: ignore[no-untyped-def]
    return api.patch(tasks_url(task.user_id, task.id), {"status": status}, format="json")


def test_task_runs_and_completes(api, user, task):
    running = patch_status(api, task, "running")
    assert running.status_code == 200, running.content
    assert running.json()["status"] == "running"
    assert running.json()["started_at"] is not None
    assert running.json()["completed_at"] is None

    completed = patch_status(api, task, "completed")
    assert completed.status_code == 200, completed.content
    body = completed.json()
    assert body["status"] == "completed"
    assert body["started_at"] == running.json()["started_at"]
    assert parse_time(body["completed_at"]) >= parse_time(body["started_at"])
    assert body["attempts"] == 0


def test_task_fails_and_is_retried(api, user, task):
    assert patch_status(api, task, "running").status_code == 200
    failed = patch_status(api, task, "failed")
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["attempts"]) == ("failed", 0)
    assert failed.json()["completed_at"] is None

    retried = patch_status(api, task, "pending")
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 1)

    patch_status(api, task, "running")
    patch_status(api, task, "failed")
    assert patch_status(api, task, "pending").json()["attempts"] == 2
    assert patch_status(api, task, "running").json()["status"] == "running"
    assert patch_status(api, task, "completed").json()["status"] == "completed"


def test_status_change_with_other_fields(api, user, task):
    response = api.patch(tasks_url(user.id, task.id), {"status": "running", "title": "Going"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["title"]) == ("running", "Going")


@pytest.mark.parametrize("status", STATUSES)
def test_the_same_status_again_is_a_noop(api, user, status):
    stamp = timezone.now() - timedelta(hours=1)
    task = TaskFactory(user=user, status=status, started_at=stamp, attempts=3)
    before = api.get(tasks_url(user.id, task.id)).json()

    response = patch_status(api, task, status)

    assert response.status_code == 200, response.content
    assert response.json() == before


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden_transitions_are_400(api, user, current, target):
    task = TaskFactory(user=user, status=current)
    before = db_state()

    response = api.patch(tasks_url(user.id, task.id), {"status": target, "title": "Changed"}, format="json")

    assert response.status_code == 400, response.content
    assert_error_shape(response, "status")
    assert db_state() == before


def test_completing_a_task_counts_in_its_goal(api, user, goal, task):
    patch_status(api, task, "running")
    patch_status(api, task, "completed")

    assert api.get(goals_url(user.id, goal.id)).json()["progress"] == {"tasks_total": 1, "tasks_completed": 1}


# --- delete ----------------------------------------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
def test_delete_task(api, user, task, slash):
    response = api.delete(tasks_url(user.id, task.id) + slash)

    assert response.status_code == 204
    assert response.content == b""
    assert not Task.objects.filter(pk=task.pk).exists()
    assert api.get(tasks_url(user.id, task.id)).status_code == 404
    assert api.delete(tasks_url(user.id, task.id)).status_code == 404
