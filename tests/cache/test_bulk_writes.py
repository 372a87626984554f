"""Writes that send no signals (update, bulk_create, bulk_update) still invalidate."""

from __future__ import annotations

import pytest

from goals.models import Goal
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write and its on_commit callbacks, as a committing request would."""

    def run(write):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def _primed(api, url):  # type: ignore[no-untyped-def]
    api.get(url)
    assert api.get(url)["X-Cache"] == "HIT"


def test_queryset_update_refreshes_lists_and_details(api, user, commit):
    goal = Goal.objects.create(user=user, description="g")
    lists, detail = f"/api/users/{user.id}/goals?status=all", f"/api/users/{user.id}/goals/{goal.id}"
    _primed(api, lists)
    _primed(api, detail)
    commit(lambda: Goal.objects.filter(user=user).update(status="abandoned"))
    assert api.get(lists).json()[0]["status"] == "abandoned"
    assert api.get(detail).json()["status"] == "abandoned"


def test_moving_tasks_with_update_refreshes_old_and_new_goal(api, user, commit):
    old, new = Goal.objects.create(user=user, description="old"), Goal.objects.create(user=user, description="new")
    Task.objects.create(user=user, goal=old, title="t")
    urls = [f"/api/users/{user.id}/goals/{g.id}" for g in (old, new)]
    for url in urls:
        _primed(api, url)
    commit(lambda: Task.objects.filter(goal=old).update(goal=new))
    assert api.get(urls[0]).json()["progress"]["tasks_total"] == 0
    assert api.get(urls[1]).json()["progress"]["tasks_total"] == 1


def test_bulk_create_and_bulk_update_refresh_task_reads(api, user, commit):
    url = f"/api/users/{user.id}/tasks"
    _primed(api, url)
    created = commit(lambda: Task.objects.bulk_create([Task(user=user, title=f"t{i}") for i in range(3)]))
    assert len(api.get(url).json()) == 3
    detail = f"/api/users/{user.id}/tasks/{created[0].pk}"
    _primed(api, detail)
    task = Task.objects.get(pk=created[0].pk)
    task.title = "renamed"
    commit(lambda: Task.objects.bulk_update([task], ["title"]))
    assert api.get(detail).json()["title"] == "renamed"


def test_queryset_delete_and_cascades_refresh(api, user, commit):
    goal = Goal.objects.create(user=user, description="g")
    task = Task.objects.create(user=user, goal=goal, title="t")
    goals_url, task_url = f"/api/users/{user.id}/goals", f"/api/users/{user.id}/tasks/{task.id}"
    _primed(api, goals_url)
    _primed(api, task_url)
    commit(lambda: Goal.objects.filter(user=user).delete())  # SET_NULL on the task, no Task signal
    assert api.get(goals_url).json() == []
    assert api.get(task_url).json()["goal_id"] is None


def test_other_users_entries_survive_bulk_writes(api, user, other_api, other_user, commit):
    Goal.objects.create(user=other_user, description="theirs")
    theirs = f"/api/users/{other_user.id}/goals"
    _primed(other_api, theirs)
    commit(lambda: Goal.objects.filter(user=user).update(status="completed"))
    assert other_api.get(theirs)["X-Cache"] == "HIT"


def test_update_with_an_expression_invalidates_the_new_goal(api, user, commit):
    from django.db.models import F

    first, second = Goal.objects.create(user=user, description="1"), Goal.objects.create(user=user, description="2")
    task = Task.objects.create(user=user, goal=first, title="t")
    url = f"/api/users/{user.id}/goals/{second.id}"
    _primed(api, url)
    commit(lambda: Task.objects.filter(pk=task.pk).update(goal_id=F("goal_id") + (second.pk - first.pk)))
    assert api.get(url).json()["progress"]["tasks_total"] == 1
