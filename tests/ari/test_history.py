"""History (order, limit, since/until) and ``delta_agency`` chaining as the data stands when read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.ari.helpers import ari_url, at, body

pytestmark = pytest.mark.django_db


def history(api, user, **params):
    response = api.get(ari_url(user.id, "/history"), params)
    assert response.status_code == 200, response.content
    return response.json()


def deltas(api, user, **params) -> dict[str, float]:
    return {r["task_description"]: r["delta_agency"] for r in history(api, user, **params)["results"]}


def test_history_shape_and_newest_first(snap, api, user):
    first = snap(user=user, timestamp=at(0))
    second = snap(user=user, timestamp=at(1))
    tie = snap(user=user, timestamp=at(1))
    data = history(api, user)
    assert list(data) == ["user_id", "count", "results"]
    assert data["user_id"] == user.id
    assert data["count"] == 3
    assert [r["id"] for r in data["results"]] == [tie.id, second.id, first.id]


def test_history_empty(api, user):
    assert history(api, user) == {"user_id": user.id, "count": 0, "results": []}


def test_history_limit(snap, api, user):
    for day in range(5):
        snap(user=user, timestamp=at(day))
    data = history(api, user, limit=2)
    assert data["count"] == 2
    assert [r["timestamp"] for r in data["results"]] == ["2024-03-05T12:00:00Z", "2024-03-04T12:00:00Z"]
    assert history(api, user, limit=1000)["count"] == 5


def test_since_inclusive_until_exclusive_naive_is_utc(snap, api, user):
    for day in range(4):
        snap(user=user, timestamp=at(day), task_description=f"day{day}")
    data = history(api, user, since="2024-03-02T12:00:00", until="2024-03-04T12:00:00Z")
    assert [r["task_description"] for r in data["results"]] == ["day2", "day1"]
    data = history(api, user, since="2024-03-02T13:00:00+01:00")  # = day1 in UTC
    assert [r["task_description"] for r in data["results"]] == ["day3", "day2", "day1"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "1.5"},
        {"since": "not-a-date"},
        {"until": "2024-13-01T00:00:00"},
        {"since": "9999-12-31T23:59:59-05:00"},
    ],
)
def test_bad_query_is_400(api, user, params):
    response = api.get(ari_url(user.id, "/history"), params)
    assert response.status_code == 400, response.content
    assert set(response.json()) <= {"limit", "since", "until"}


def test_delta_agency_chains_in_timestamp_order(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=50.0, task_description="a")
    snap(user=user, timestamp=at(2), autonomy_retention=60.5, task_description="b")
    assert deltas(api, user) == {"b": 10.5, "a": 0.0}


def test_back_dated_insert_and_delete_re_chain(api, user):
    def post(day: int, ai_reliance: float, name: str) -> int:
        response = api.post(
            ari_url(user.id),
            body(timestamp=at(day).isoformat(), ai_reliance=ai_reliance, task_description=name),
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["id"]

    post(0, 0.3, "a")  # 65.71
    post(2, 1.0, "c")  # 55.71
    assert deltas(api, user) == {"c": -10.0, "a": 0.0}
    back_dated = post(1, 0.0, "b")  # 70.0
    assert deltas(api, user) == {"c": -14.29, "b": 4.29, "a": 0.0}
    assert api.delete(ari_url(user.id, f"/{back_dated}")).status_code == 204
    assert deltas(api, user) == {"c": -10.0, "a": 0.0}


def test_delete_of_the_first_makes_the_next_one_first(snap, api, user):
    first = snap(user=user, timestamp=at(0), autonomy_retention=40.0, task_description="a")
    snap(user=user, timestamp=at(1), autonomy_retention=45.0, task_description="b")
    assert api.delete(ari_url(user.id, f"/{first.id}")).status_code == 204
    assert deltas(api, user) == {"b": 0.0}


def test_equal_timestamps_chain_by_id(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=40.0, task_description="a")
    snap(user=user, timestamp=at(0), autonomy_retention=47.0, task_description="b")
    assert deltas(api, user) == {"b": 7.0, "a": 0.0}


def test_range_does_not_cut_off_the_previous_row(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=40.0, task_description="a")
    snap(user=user, timestamp=at(1), autonomy_retention=55.0, task_description="b")
    snap(user=user, timestamp=at(2), autonomy_retention=50.0, task_description="c")
    assert deltas(api, user, since=at(1).isoformat()) == {"c": -5.0, "b": 15.0}
    assert deltas(api, user, limit=1) == {"c": -5.0}
    latest = api.get(ari_url(user.id)).json()
    assert latest["delta_agency"] == -5.0


def test_other_users_snapshots_do_not_chain(snap, api, user, other_user):
    snap(user=other_user, timestamp=at(0), autonomy_retention=10.0)
    snap(user=user, timestamp=at(1), autonomy_retention=60.0, task_description="mine")
    assert deltas(api, user) == {"mine": 0.0}


def test_history_is_one_query_however_long(snap, api, user):
    def ari_queries(count: int) -> int:
        for day in range(count):
            snap(user=user, timestamp=at(day))
        with CaptureQueriesContext(connection) as ctx:
            history(api, user, limit=1000, since=at(-1000).isoformat())
        return sum("ari_arisnapshot" in q["sql"] for q in ctx.captured_queries)

    assert ari_queries(2) == 1
    assert ari_queries(20) == 1
