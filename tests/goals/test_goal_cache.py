"""Goal reads go through the cache: MISS then HIT, writes make the next read fresh."""

import pytest

pytestmark = pytest.mark.django_db


def test_goal_list_miss_then_hit_and_fresh_after_create(api, user):
    url = f"/api/users/{user.id}/goals"
    first = api.get(url)
    assert first.status_code == 200, first.content
    assert first["X-Cache"] == "MISS"
    second = api.get(url)
    assert second["X-Cache"] == "HIT"
    assert second.content == first.content

    created = api.post(url, {"description": "Learn Lua"}, format="json")
    assert created.status_code == 201, created.content
    third = api.get(url)
    assert third["X-Cache"] == "MISS"
    assert [g["description"] for g in third.json()] == ["Learn Lua"]
