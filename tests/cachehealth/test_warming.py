"""warm_user: fills every default read through get_or_fill; 404s are skipped; missing modules fail loudly."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.exceptions import NotFound

from aipal.cache import client
from aipal.cache.aside import CachedRead
from aipal.cache.keys import PROFILE
from cachehealth import warming
from goals.services import goal_create
from tasks.services import task_create

pytestmark = pytest.mark.django_db


def test_every_default_read_is_cached_after_warming(user):
    goal = goal_create(user_id=user.id, description="Read a book")
    task_create(user_id=user.id, title="Chapter 1", goal_id=goal.pk)
    report = warming.warm_user(user.id)
    assert report.filled >= 7  # profile, goal list + detail, task list + detail, ARI history, ...
    assert report.bypassed == 0
    assert report.not_found == 1  # no ARI snapshot yet: the latest-snapshot read answers 404
    for source in warming.read_sources():
        for read in source(user_id=user.id):
            cached = client.read(read.key, client.new_token()).body is not None
            assert cached or read.key.spec.name == "ARI_LATEST", read.key
    again = warming.warm_user(user.id)
    assert (again.filled, again.already_cached) == (0, report.filled)


def test_a_loader_answering_404_is_skipped_and_counted(user):
    def missing() -> None:
        raise NotFound("nothing here")

    def source(*, user_id: int) -> list[CachedRead]:
        return [CachedRead(PROFILE.key(user_id=user_id), missing)]

    report = warming.warm_user(user.id, sources=[source])
    assert (report.not_found, report.filled, report.total) == (1, 0, 1)


def test_a_missing_selectors_module_fails_loudly(monkeypatch):
    monkeypatch.setattr(warming, "DEFAULT_READ_MODULES", ("goals.selectors", "nowhere.selectors"))
    with pytest.raises(ImproperlyConfigured, match=r"nowhere\.selectors"):
        warming.read_sources()


def test_a_module_without_default_reads_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match=r"goals\.models\.default_reads"):
        warming.read_sources(["goals.models"])


@pytest.mark.parametrize("path", warming.DEFAULT_READ_MODULES)
def test_every_listed_module_declares_default_reads(path):
    assert warming.read_sources([path])
