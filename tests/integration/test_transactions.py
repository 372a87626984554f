"""Invalidation happens after the commit, on real PostgreSQL transactions and Redis."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from aipal.cache import invalidation
from goals.models import Goal
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _run_in_thread(target) -> threading.Thread:  # type: ignore[no-untyped-def]
    def wrapped() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=wrapped)
    thread.start()
    return thread


def test_a_reader_during_the_write_transaction_cannot_leave_stale_data():
    """post_save fires before COMMIT; a reader then refills the old row. After the commit
    the next read must show the new row."""
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="before")
    api = client_for(user)
    url = f"/api/users/{user.id}/goals/{goal.id}"
    assert api.get(url).json()["description"] == "before"

    saved, reader_done = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction.atomic():
            row = Goal.objects.get(pk=goal.pk)
            row.description = "after"
            row.save()  # post_save fires here, inside the transaction
            saved.set()
            assert reader_done.wait(10)

    thread = _run_in_thread(writer)
    assert saved.wait(10)
    during = api.get(url)  # sees the committed (old) row and may cache it
    assert during.json()["description"] == "before"
    reader_done.set()
    thread.join(10)

    after = api.get(url)
    assert after.json()["description"] == "after", after["X-Cache"]


def test_a_rolled_back_write_invalidates_nothing():
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="kept")
    api = client_for(user)
    url = f"/api/users/{user.id}/goals/{goal.id}"
    api.get(url)
    assert api.get(url)["X-Cache"] == "HIT"

    with pytest.raises(RuntimeError), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(description="never")
        goal.description = "never"
        goal.save()
        raise RuntimeError("roll back")

    assert api.get(url)["X-Cache"] == "HIT"


def test_a_rolled_back_savepoint_invalidates_nothing_but_the_outer_write_does():
    user = UserFactory()
    kept = Goal.objects.create(user=user, description="kept")
    changed = Goal.objects.create(user=user, description="old")
    api = client_for(user)
    urls = {g.pk: f"/api/users/{user.id}/goals/{g.pk}" for g in (kept, changed)}
    for url in urls.values():
        api.get(url)

    with transaction.atomic():
        changed.description = "new"
        changed.save()
        with pytest.raises(RuntimeError), transaction.atomic():
            kept.description = "rolled back"
            kept.save()
            raise RuntimeError("savepoint rollback")

    assert api.get(urls[kept.pk])["X-Cache"] == "HIT"
    response = api.get(urls[changed.pk])
    assert response.json()["description"] == "new"


def test_atomic_requests_invalidate_after_the_request_commits(monkeypatch):
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="before")
    api = client_for(user)
    url = f"/api/users/{user.id}/goals/{goal.id}"
    api.get(url)

    in_transaction_when_applied = []
    original = invalidation.apply_all

    def recording(per_user, events=None):  # type: ignore[no-untyped-def]
        in_transaction_when_applied.append(connection.in_atomic_block)
        return original(per_user, events)

    monkeypatch.setattr(invalidation, "apply_all", recording)
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    response = api.patch(url, {"description": "after"}, format="json")
    assert response.status_code == 200
    assert in_transaction_when_applied and not any(in_transaction_when_applied)
    assert api.get(url).json()["description"] == "after"
