"""ARI reads go through the cache: MISS then HIT, writes make the next read fresh, per user."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import NotFound

from aipal.cache.aside import get_or_fill
from ari import selectors
from tests.ari.helpers import ari_url, at, body, predictions_url

pytestmark = pytest.mark.django_db


def cached_urls(user_id: int) -> list[str]:
    return [ari_url(user_id), ari_url(user_id, "/history"), predictions_url(user_id)]


def get(api, url: str, expected_cache: str, **params):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    assert response["X-Cache"] == expected_cache, url
    return response


@pytest.mark.parametrize("which", [0, 1, 2], ids=["latest", "history", "predictions"])
def test_miss_then_hit_with_identical_bytes(snap, api, user, which):
    snap(user=user, timestamp=at(0))
    snap(user=user, timestamp=at(1))
    url = cached_urls(user.id)[which]
    first = get(api, url, "MISS")
    second = get(api, url, "HIT")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    assert "private" in second["Cache-Control"]


def test_post_then_every_read_shows_the_new_snapshot(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=40.0)
    snap(user=user, timestamp=at(1), autonomy_retention=42.0)
    for url in cached_urls(user.id):
        get(api, url, "MISS")
        get(api, url, "HIT")

    created = api.post(ari_url(user.id), body(timestamp=at(2).isoformat()), format="json")
    assert created.status_code == 201
    new_id = created.json()["id"]

    latest, history, prediction = (api.get(url) for url in cached_urls(user.id))
    assert latest.json()["id"] == new_id
    assert history.json()["results"][0]["id"] == new_id
    assert prediction.json()["based_on"] == 3


def test_delete_then_every_read_shows_it_gone(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=40.0)
    older = snap(user=user, timestamp=at(1), autonomy_retention=42.0)
    newest = snap(user=user, timestamp=at(2), autonomy_retention=50.0)
    for url in cached_urls(user.id):
        get(api, url, "MISS")
        get(api, url, "HIT")

    assert api.delete(ari_url(user.id, f"/{newest.id}")).status_code == 204

    latest, history, prediction = (api.get(url) for url in cached_urls(user.id))
    assert latest.json()["id"] == older.id
    assert [r["id"] for r in history.json()["results"]][0] == older.id
    assert history.json()["count"] == 2
    assert prediction.json()["based_on"] == 2


def test_write_drops_every_history_variant(snap, api, user):
    snap(user=user, timestamp=at(0))
    url = ari_url(user.id, "/history")
    get(api, url, "MISS", since=at(-1).isoformat(), limit=5)
    get(api, url, "HIT", since=at(-1).isoformat(), limit=5)
    api.post(ari_url(user.id), body(timestamp=at(1).isoformat()), format="json")
    assert get(api, url, "MISS", since=at(-1).isoformat(), limit=5).json()["count"] == 2


def test_one_instant_has_one_history_key(snap, api, user):
    snap(user=user, timestamp=at(0))
    url = ari_url(user.id, "/history")
    first = get(api, url, "MISS", since="2024-03-01T12:00:00Z")
    assert get(api, url, "HIT", since="2024-03-01T14:00:00+02:00").content == first.content
    assert get(api, url, "HIT", since="2024-03-01T12:00:00").content == first.content
    get(api, url, "MISS", since="2024-03-01T12:00:01Z")
    get(api, url, "MISS", since="2024-03-01T12:00:00Z", limit=3)


def test_another_users_entries_stay_hits(snap, api, other_api, user, other_user):
    snap(user=user, timestamp=at(0))
    snap(user=other_user, timestamp=at(0))
    for url in cached_urls(other_user.id):
        get(other_api, url, "MISS")
    assert api.post(ari_url(user.id), body(), format="json").status_code == 201
    assert api.delete(ari_url(user.id, f"/{api.get(ari_url(user.id)).json()['id']}")).status_code == 204
    for url in cached_urls(other_user.id):
        get(other_api, url, "HIT")


@pytest.mark.parametrize("which", [0, 1, 2], ids=["latest", "history", "predictions"])
def test_a_hit_runs_no_query_besides_authentication(snap, api, user, which):
    snap(user=user, timestamp=at(0))
    snap(user=user, timestamp=at(1))
    url = cached_urls(user.id)[which]
    with CaptureQueriesContext(connection) as miss:
        get(api, url, "MISS")
    with CaptureQueriesContext(connection) as hit:
        get(api, url, "HIT")
    assert any("ari_arisnapshot" in q["sql"] for q in miss.captured_queries)
    assert not [q["sql"] for q in hit.captured_queries if "ari_arisnapshot" in q["sql"]]
    assert len(hit) <= 1  # at most the token lookup
    assert len(hit) < len(miss)


def test_latest_404_is_not_cached(api, user):
    assert api.get(ari_url(user.id)).status_code == 404
    assert api.post(ari_url(user.id), body(), format="json").status_code == 201
    assert get(api, ari_url(user.id), "MISS").json()["user_id"] == user.id


def test_default_reads_warm_what_the_views_serve(snap, api, user):
    snap(user=user, timestamp=at(0))
    reads = selectors.default_reads(user_id=user.id)
    assert len(reads) == 3
    assert len({read.key for read in reads}) == 3
    for read in reads:
        get_or_fill(read.key, read.load)
    for url in cached_urls(user.id):
        get(api, url, "HIT")


def test_default_reads_without_snapshots_latest_is_404(api, user):
    latest, *others = selectors.default_reads(user_id=user.id)
    with pytest.raises(NotFound):
        get_or_fill(latest.key, latest.load)
    for read in others:
        get_or_fill(read.key, read.load)
    get(api, ari_url(user.id, "/history"), "HIT")
    get(api, predictions_url(user.id), "HIT")
    assert api.get(ari_url(user.id)).status_code == 404
