"""The fast path's routes: taken from the URLconf, found by the shape of a path."""

from __future__ import annotations

import pytest

from aipal.fastpath.routes import RouteTable, cached_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def table() -> RouteTable:
    return RouteTable(cached_routes())


def test_every_cached_get_of_a_user_is_a_route():
    names = {route.view_name for route in cached_routes()}
    assert names == {
        "user-profile",
        "ari-latest",
        "ari-history",
        "ari-predictions",
        "dashboard",
        "goal-list",
        "goal-detail",
        "task-list",
        "task-detail",
    }


@pytest.mark.parametrize(
    "path",
    ["api/users/me", "api/users/0/goals", "api/users/01/goals", "api/users/5/goals/x", "api/users/5/goals/5/complete"],
)
def test_paths_no_cached_view_takes_are_not_routes(table, path):
    assert table.match(path) is None


def test_a_refused_path_does_not_hide_the_valid_ones_of_its_shape(table):
    assert table.match("api/users/01/goals") is None
    route, ids = table.match("api/users/5/goals")
    assert (route.view_name, ids) == ("goal-list", {"user_id": 5})
    assert table.match("api/users/0/goals") is None
    assert table.match("api/users/7/goals/")[1] == {"user_id": 7}


def test_a_route_reads_with_the_views_own_parameters(table):
    route, ids = table.match("api/users/5/goals")
    assert route.read(ids, "").key == route.read(ids, "status=active&limit=100").key
    assert route.read(ids, "limit=1001") is None
    assert route.read(ids, "status=all").key != route.read(ids, "").key
