"""API.md "Cache events": every write makes the cached reads it affects fresh, and only those.

Each test primes the affected GETs (MISS then HIT) and an unrelated user's entry, makes
one write, then checks that the next reads return the new data and that the other
user's entry is still a HIT.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.factories import GoalFactory, TaskFactory
from tests.api.helpers import goals_url, tasks_url, user_url

pytestmark = pytest.mark.django_db


def prime(client, url: str) -> Any:  # type: ignore[no-untyped-def]
    """Fill the entry of ``url``: a MISS, then a HIT with the same bytes."""
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == 200, (url, first.content)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT"), url
    assert first.content == second.content
    return first.json()


def read(client, url: str) -> Any:  # type: ignore[no-untyped-def]
    """Read ``url`` after a write: MISS, or HIT only where the write refilled the entry."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    assert response["X-Cache"] in {"MISS", "HIT"}
    again = client.get(url)
    assert again["X-Cache"] == "HIT"
    assert again.content == response.content
    return response.json()


@pytest.fixture
def bystander(other_api, other_user, other_goal, other_task):
    """Another user's primed entries: no write of ``user`` may touch them."""
    urls = [
        user_url(other_user.id),
        goals_url(other_user.id),
        goals_url(other_user.id, other_goal.id),
        tasks_url(other_user.id),
        tasks_url(other_user.id, other_task.id),
    ]
    for url in urls:
        prime(other_api, url)

    def still_cached() -> None:
        for url in urls:
            assert other_api.get(url)["X-Cache"] == "HIT", url

    return still_cached


def by_id(items: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {item["id"]: item for item in items}


# --- reads -----------------------------------------------------------------------


def test_a_repeated_read_without_a_write_is_a_hit(api, user, goal, task):
    for url in (user_url(user.id), goals_url(user.id), goals_url(user.id, goal.id), tasks_url(user.id)):
        prime(api, url)
        assert api.get(url)["X-Cache"] == "HIT"


@pytest.mark.parametrize(
    "path",
    [
        "/api/users/{user}",
        "/api/users/me",
        "/api/users/{user}/goals",
        "/api/users/{user}/goals?status=all&limit=2",
        "/api/users/{user}/goals/{goal}",
        "/api/users/{user}/tasks",
        "/api/users/{user}/tasks?status=pending&goal_id={goal}",
        "/api/users/{user}/tasks/{task}",
    ],
)
def test_cached_and_uncached_bodies_are_byte_identical(api, user, goal, task, settings, path):
    TaskFactory(user=user, goal=goal, status="completed", result={"b": 2, "a": [1.5, None]})
    GoalFactory(user=user, estimated_value=0.1, status="abandoned")
    url = path.format(user=user.id, goal=goal.id, task=task.id)

    miss, hit = api.get(url), api.get(url)
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    bypass = api.get(url)

    assert [r["X-Cache"] for r in (miss, hit, bypass)] == ["MISS", "HIT", "BYPASS"]
    assert miss.content == hit.content == bypass.content
    assert miss["Content-Type"] == hit["Content-Type"] == bypass["Content-Type"] == "application/json"
    assert "private" in bypass["Cache-Control"]


def test_with_caching_disabled_writes_are_seen_at_once(api, user, goal, cache_disabled):
    assert api.get(goals_url(user.id, goal.id))["X-Cache"] == "BYPASS"

    api.patch(goals_url(user.id, goal.id), {"description": "Seen"}, format="json")

    response = api.get(goals_url(user.id, goal.id))
    assert response["X-Cache"] == "BYPASS"
    assert response.json()["description"] == "Seen"


def test_a_rejected_write_invalidates_nothing(api, user, goal, task):
    urls = [goals_url(user.id), goals_url(user.id, goal.id), tasks_url(user.id), tasks_url(user.id, task.id)]
    for url in urls:
        prime(api, url)

    assert api.patch(goals_url(user.id, goal.id), {"importance": 0}, format="json").status_code == 400
    assert api.patch(tasks_url(user.id, task.id), {"status": "completed"}, format="json").status_code == 400
    assert api.post(tasks_url(user.id), {"title": ""}, format="json").status_code == 400

    for url in urls:
        assert api.get(url)["X-Cache"] == "HIT", url


# --- goals (GOAL_CREATED, GOAL_UPDATED) ------------------------------------------


def test_goal_create_refreshes_the_goal_lists(api, user, goal, bystander):
    prime(api, goals_url(user.id))
    prime(api, goals_url(user.id) + "?status=all")
    prime(api, goals_url(user.id) + "?limit=1")

    created = api.post(goals_url(user.id), {"description": "Brand new"}, format="json").json()

    assert [g["id"] for g in read(api, goals_url(user.id))] == [created["id"], goal.id]
    assert [g["id"] for g in read(api, goals_url(user.id) + "?status=all")] == [created["id"], goal.id]
    assert [g["id"] for g in read(api, goals_url(user.id) + "?limit=1")] == [created["id"]]
    bystander()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_goal_update_refreshes_the_goal_and_the_lists(api, user, goal, bystander, method):
    detail_url = goals_url(user.id, goal.id)
    prime(api, detail_url)
    prime(api, goals_url(user.id))
    prime(api, goals_url(user.id) + "?status=all")
    prime(api, goals_url(user.id) + "?status=abandoned")

    response = getattr(api, method)(detail_url, {"description": "Changed", "status": "abandoned"}, format="json")
    assert response.status_code == 200

    assert read(api, detail_url)["description"] == "Changed"
    assert read(api, goals_url(user.id)) == []
    assert read(api, goals_url(user.id) + "?status=all")[0]["description"] == "Changed"
    assert read(api, goals_url(user.id) + "?status=abandoned")[0]["status"] == "abandoned"
    bystander()


def test_goal_complete_refreshes_the_goal_and_the_lists(api, user, goal, bystander):
    detail_url = goals_url(user.id, goal.id)
    prime(api, detail_url)
    prime(api, goals_url(user.id))
    prime(api, goals_url(user.id) + "?status=completed")

    assert api.post(detail_url + "/complete").status_code == 200

    assert read(api, detail_url)["status"] == "completed"
    assert read(api, goals_url(user.id)) == []
    assert [g["id"] for g in read(api, goals_url(user.id) + "?status=completed")] == [goal.id]
    bystander()


def test_goal_delete_refreshes_the_goal_lists_and_its_tasks(api, user, goal, bystander):
    tasks = TaskFactory.create_batch(2, user=user, goal=goal)
    urls = {
        "detail": goals_url(user.id, goal.id),
        "goals": goals_url(user.id),
        "tasks": tasks_url(user.id),
        "by_goal": tasks_url(user.id) + f"?goal_id={goal.id}",
        **{f"task{t.id}": tasks_url(user.id, t.id) for t in tasks},
    }
    for url in urls.values():
        prime(api, url)

    assert api.delete(urls["detail"]).status_code == 204

    after = api.get(urls["detail"])
    assert after.status_code == 404
    assert "X-Cache" not in after
    assert read(api, urls["goals"]) == []
    assert [t["goal_id"] for t in read(api, urls["tasks"])] == [None, None]
    assert read(api, urls["by_goal"]) == []
    for task in tasks:
        assert read(api, urls[f"task{task.id}"])["goal_id"] is None
    bystander()


# --- tasks (TASK_COMPLETED) ------------------------------------------------------


def test_task_create_refreshes_task_lists_and_its_goal(api, user, goal, bystander):
    urls = [
        tasks_url(user.id),
        tasks_url(user.id) + "?status=pending",
        tasks_url(user.id) + f"?goal_id={goal.id}",
        goals_url(user.id, goal.id),
        goals_url(user.id),
    ]
    for url in urls:
        prime(api, url)

    created = api.post(tasks_url(user.id), {"title": "Fresh", "goal_id": goal.id}, format="json").json()

    for url in urls[:3]:
        assert [t["id"] for t in read(api, url)] == [created["id"]], url
    assert read(api, goals_url(user.id, goal.id))["progress"] == {"tasks_total": 1, "tasks_completed": 0}
    assert read(api, goals_url(user.id))[0]["progress"] == {"tasks_total": 1, "tasks_completed": 0}
    bystander()


def test_task_patch_refreshes_the_task_and_the_lists(api, user, task, bystander):
    prime(api, tasks_url(user.id, task.id))
    prime(api, tasks_url(user.id))

    api.patch(tasks_url(user.id, task.id), {"title": "Retitled", "priority": 9}, format="json")

    assert read(api, tasks_url(user.id, task.id))["title"] == "Retitled"
    assert by_id(read(api, tasks_url(user.id)))[task.id]["priority"] == 9
    bystander()


def test_task_status_change_refreshes_the_task_lists_and_goal_progress(api, user, goal, task, bystander):
    task.status = "running"
    task.save()
    urls = [
        tasks_url(user.id, task.id),
        tasks_url(user.id) + "?status=running",
        tasks_url(user.id) + "?status=completed",
        goals_url(user.id, goal.id),
        goals_url(user.id),
    ]
    for url in urls:
        prime(api, url)

    assert api.patch(tasks_url(user.id, task.id), {"status": "completed"}, format="json").status_code == 200

    detail = read(api, urls[0])
    assert detail["status"] == "completed"
    assert detail["completed_at"] is not None
    assert read(api, urls[1]) == []
    assert [t["id"] for t in read(api, urls[2])] == [task.id]
    assert read(api, urls[3])["progress"] == {"tasks_total": 1, "tasks_completed": 1}
    assert read(api, urls[4])[0]["progress"] == {"tasks_total": 1, "tasks_completed": 1}
    bystander()


def test_moving_a_task_refreshes_both_goals(api, user, goal, task, bystander):
    target = GoalFactory(user=user)
    urls = [
        goals_url(user.id, goal.id),
        goals_url(user.id, target.id),
        tasks_url(user.id) + f"?goal_id={goal.id}",
        tasks_url(user.id) + f"?goal_id={target.id}",
    ]
    for url in urls:
        prime(api, url)

    api.patch(tasks_url(user.id, task.id), {"goal_id": target.id}, format="json")

    assert read(api, urls[0])["progress"]["tasks_total"] == 0
    assert read(api, urls[1])["progress"]["tasks_total"] == 1
    assert read(api, urls[2]) == []
    assert [t["id"] for t in read(api, urls[3])] == [task.id]
    bystander()


def test_task_delete_refreshes_the_task_lists_and_its_goal(api, user, goal, task, bystander):
    urls = [tasks_url(user.id), goals_url(user.id, goal.id), goals_url(user.id)]
    for url in [*urls, tasks_url(user.id, task.id)]:
        prime(api, url)

    assert api.delete(tasks_url(user.id, task.id)).status_code == 204

    assert api.get(tasks_url(user.id, task.id)).status_code == 404
    assert read(api, urls[0]) == []
    assert read(api, urls[1])["progress"]["tasks_total"] == 0
    assert read(api, urls[2])[0]["progress"]["tasks_total"] == 0
    bystander()


# --- profile (USER_UPDATED) ------------------------------------------------------


def test_profile_patch_refreshes_every_entry_of_the_user(api, user, goal, task, bystander):
    urls = [
        user_url(user.id),  # /api/users/me shares this entry
        goals_url(user.id),
        goals_url(user.id, goal.id),
        tasks_url(user.id),
        tasks_url(user.id, task.id),
    ]
    for url in urls:
        prime(api, url)
    assert api.get("/api/users/me")["X-Cache"] == "HIT"

    api.patch("/api/users/me", {"display_name": "Someone else"}, format="json")

    for url in urls:
        assert api.get(url)["X-Cache"] == "MISS", url
    assert read(api, user_url(user.id))["display_name"] == "Someone else"
    assert read(api, "/api/users/me")["display_name"] == "Someone else"
    bystander()


def test_staff_writes_refresh_the_owners_entries(api, staff_api, user, goal):
    prime(api, goals_url(user.id, goal.id))

    staff_api.patch(goals_url(user.id, goal.id), {"importance": 1}, format="json")

    assert read(api, goals_url(user.id, goal.id))["importance"] == 1
