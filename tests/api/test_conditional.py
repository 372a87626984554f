"""Conditional reads (API.md): a strong ETag from the body on every 200 of a cached GET,
304 for If-None-Match, a new ETag after a write that changes the body."""

from __future__ import annotations

import hashlib

import pytest

from tests.api.helpers import goals_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cache", ["on", "off"])
def test_every_200_carries_a_strong_etag_of_its_body(api, user, goal, settings, cache):
    if cache == "off":
        settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    for _ in range(2):  # MISS then HIT, or BYPASS twice
        response = api.get(goals_url(user.id))
        etag = response["ETag"]
        assert not etag.startswith("W/") and etag.startswith('"') and etag.endswith('"')
        assert etag == f'"{hashlib.blake2b(response.content, digest_size=8).hexdigest()}"'


def test_if_none_match_answers_304_without_a_body(api, user, goal):
    etag = api.get(goals_url(user.id))["ETag"]
    response = api.get(goals_url(user.id), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "X-Cache" not in response
    assert response["Cache-Control"] == "private"


def test_a_write_changes_the_etag_and_the_old_one_gets_the_body(api, user, goal):
    before = api.get(goals_url(user.id, goal.id))["ETag"]
    assert api.patch(goals_url(user.id, goal.id), {"importance": 9}, format="json").status_code == 200
    after = api.get(goals_url(user.id, goal.id), HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before and after.json()["importance"] == 9


def test_the_browsable_api_has_no_etag_from_the_cache(api, user, goal):
    response = api.get(goals_url(user.id), HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and "ETag" not in response
