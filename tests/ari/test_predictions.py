"""Predictions: the least-squares figures on known data, the window, and the null cases."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime

from ari.predictions import NO_TREND, fit_trend
from tests.ari.helpers import at, predictions_url

pytestmark = pytest.mark.django_db

PREDICTION_FIELDS = ["user_id", "based_on", "trend_per_day", "next_autonomy_retention", "confidence", "generated_at"]


def predictions(api, user) -> dict:
    response = api.get(predictions_url(user.id))
    assert response.status_code == 200, response.content
    return response.json()


def test_exact_line_has_known_slope_and_r_squared_one(snap, api, user):
    for day, value in enumerate([50.0, 52.0, 54.0]):
        snap(user=user, timestamp=at(day), autonomy_retention=value)
    data = predictions(api, user)
    assert list(data) == PREDICTION_FIELDS
    assert data["user_id"] == user.id
    assert data["based_on"] == 3
    assert data["trend_per_day"] == pytest.approx(2.0)
    assert data["next_autonomy_retention"] == pytest.approx(56.0)
    assert data["confidence"] == pytest.approx(1.0)
    assert data["generated_at"].endswith("Z")
    assert parse_datetime(data["generated_at"]) is not None


def test_noisy_data_gives_known_fit(snap, api, user):
    # y = 10 * [1, 3, 2, 4] + 40 at days 0..3: slope 8, intercept 53, R^2 = 0.64
    for day, value in enumerate([50.0, 70.0, 60.0, 80.0]):
        snap(user=user, timestamp=at(day), autonomy_retention=value)
    data = predictions(api, user)
    assert data["trend_per_day"] == pytest.approx(8.0)
    assert data["next_autonomy_retention"] == pytest.approx(85.0)
    assert data["confidence"] == pytest.approx(0.64)


def test_hours_apart_give_slope_per_day(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=50.0)
    snap(user=user, timestamp=at(0.25), autonomy_retention=51.0)
    data = predictions(api, user)
    assert data["trend_per_day"] == pytest.approx(4.0)
    assert data["next_autonomy_retention"] == pytest.approx(55.0)


def test_only_the_latest_30_snapshots_count(snap, api, user):
    snap(user=user, timestamp=at(-100), autonomy_retention=0.0)  # outside the window
    for day in range(30):
        snap(user=user, timestamp=at(day), autonomy_retention=30.0 + day)
    data = predictions(api, user)
    assert data["based_on"] == 30
    assert data["trend_per_day"] == pytest.approx(1.0)
    assert data["confidence"] == pytest.approx(1.0)


@pytest.mark.parametrize(("values", "expected"), [([90.0, 99.0], 100.0), ([10.0, 1.0], 0.0)])
def test_next_value_is_clamped(snap, api, user, values, expected):
    for day, value in enumerate(values):
        snap(user=user, timestamp=at(day), autonomy_retention=value)
    assert predictions(api, user)["next_autonomy_retention"] == expected


def test_flat_series_is_an_exact_fit(snap, api, user):
    for day in range(3):
        snap(user=user, timestamp=at(day), autonomy_retention=61.23)
    data = predictions(api, user)
    assert data["trend_per_day"] == 0.0
    assert data["next_autonomy_retention"] == pytest.approx(61.23)
    assert data["confidence"] == 1.0


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_snapshots_give_nulls(snap, api, user, count):
    for day in range(count):
        snap(user=user, timestamp=at(day))
    data = predictions(api, user)
    assert data["based_on"] == count
    assert data["trend_per_day"] is None
    assert data["next_autonomy_retention"] is None
    assert data["confidence"] is None


def test_all_at_one_instant_gives_nulls_not_an_error(snap, api, user):
    snap(user=user, timestamp=at(0), autonomy_retention=40.0)
    snap(user=user, timestamp=at(0), autonomy_retention=60.0)
    data = predictions(api, user)
    assert data["based_on"] == 2
    assert data["trend_per_day"] is None
    assert data["confidence"] is None


def test_fit_trend_ignores_point_order():
    points = [(at(2), 54.0), (at(0), 50.0), (at(1), 52.0)]
    assert fit_trend(points) == fit_trend(sorted(points))
    assert fit_trend(points).trend_per_day == 2.0
    assert fit_trend([]) == NO_TREND
