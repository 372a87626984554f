"""Who may touch which path, how paths are matched, and the headers every response carries."""

from __future__ import annotations

import pytest

from goals.models import Goal
from tasks.models import Task
from tests.api.factories import GoalFactory
from tests.api.helpers import assert_error_shape, db_state, goals_url, tasks_url, user_url

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 987654321

# (method, path template, JSON body) for every route under /api/users/{user}.
USER_ROUTES = [
    ("get", "/api/users/{user}", None),
    ("patch", "/api/users/{user}", {"display_name": "Mallory"}),
    ("get", "/api/users/{user}/goals", None),
    ("post", "/api/users/{user}/goals", {"description": "Planted"}),
    ("get", "/api/users/{user}/goals/{goal}", None),
    ("put", "/api/users/{user}/goals/{goal}", {"description": "Replaced"}),
    ("patch", "/api/users/{user}/goals/{goal}", {"description": "Edited"}),
    ("delete", "/api/users/{user}/goals/{goal}", None),
    ("post", "/api/users/{user}/goals/{goal}/complete", None),
    ("get", "/api/users/{user}/tasks", None),
    ("post", "/api/users/{user}/tasks", {"title": "Planted"}),
    ("get", "/api/users/{user}/tasks/{task}", None),
    ("patch", "/api/users/{user}/tasks/{task}", {"status": "running"}),
    ("put", "/api/users/{user}/tasks/{task}", {"title": "Replaced"}),
    ("delete", "/api/users/{user}/tasks/{task}", None),
]
CACHED_GETS = [route[1] for route in USER_ROUTES if route[0] == "get"]
ROUTE_IDS = [f"{method}:{path.removeprefix('/api/users/{user}') or '/'}" for method, path, _ in USER_ROUTES]


def call(client, method, path, body):  # type: ignore[no-untyped-def]
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


# --- another user's data ---------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), USER_ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("target", ["existing", "unknown"])
def test_non_staff_on_another_users_path_is_403(api, other_user, other_goal, other_task, method, path, body, target):
    user_id = other_user.id if target == "existing" else UNKNOWN_ID
    url = path.format(user=user_id, goal=other_goal.id, task=other_task.id)
    before = db_state()

    response = call(api, method, url, body)

    assert response.status_code == 403, response.content
    assert_error_shape(response, "detail")
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert db_state() == before


@pytest.mark.parametrize("method", ["head", "options"])
def test_non_staff_head_and_options_on_another_users_path_are_403(api, other_user, method):
    assert getattr(api, method)(goals_url(other_user.id)).status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), USER_ROUTES, ids=ROUTE_IDS)
def test_staff_on_an_unknown_user_is_404(staff_api, method, path, body):
    url = path.format(user=UNKNOWN_ID, goal=UNKNOWN_ID, task=UNKNOWN_ID)
    before = db_state()

    response = call(staff_api, method, url, body)

    assert response.status_code == 404, response.content
    assert_error_shape(response, "detail")
    assert db_state() == before


def test_staff_read_any_users_data(staff_api, user, goal, task):
    assert staff_api.get(user_url(user.id)).json()["id"] == user.id
    assert [g["id"] for g in staff_api.get(goals_url(user.id)).json()] == [goal.id]
    assert staff_api.get(goals_url(user.id, goal.id)).json()["id"] == goal.id
    assert [t["id"] for t in staff_api.get(tasks_url(user.id)).json()] == [task.id]
    assert staff_api.get(tasks_url(user.id, task.id)).json()["id"] == task.id


def test_staff_write_any_users_data(staff_api, user, goal, task):
    profile = staff_api.patch(user_url(user.id), {"display_name": "Set by staff"}, format="json")
    assert profile.status_code == 200
    assert profile.json()["id"] == user.id

    created_goal = staff_api.post(goals_url(user.id), {"description": "Staff goal"}, format="json")
    assert created_goal.status_code == 201
    assert Goal.objects.get(pk=created_goal.json()["id"]).user_id == user.id

    created_task = staff_api.post(tasks_url(user.id), {"title": "Staff task", "goal_id": goal.id}, format="json")
    assert created_task.status_code == 201, created_task.content
    assert Task.objects.get(pk=created_task.json()["id"]).user_id == user.id

    assert staff_api.put(goals_url(user.id, goal.id), {"description": "Put"}, format="json").status_code == 200
    assert staff_api.patch(goals_url(user.id, goal.id), {"importance": 7}, format="json").status_code == 200
    assert staff_api.post(goals_url(user.id, goal.id) + "/complete").json()["status"] == "completed"
    assert staff_api.patch(tasks_url(user.id, task.id), {"status": "running"}, format="json").status_code == 200
    assert staff_api.delete(tasks_url(user.id, task.id)).status_code == 204
    assert staff_api.delete(goals_url(user.id, goal.id)).status_code == 204


def test_staff_on_their_own_path(staff_api, staff_user):
    assert staff_api.get(user_url(staff_user.id)).status_code == 200
    assert staff_api.post(goals_url(staff_user.id), {"description": "Mine"}, format="json").status_code == 201


# --- unknown objects under an allowed user ---------------------------------------


OBJECT_ROUTES = [
    (method, path, body)
    for method, path, body in USER_ROUTES
    # tasks take no PUT: that is 405 whether or not the task exists
    if ("{goal}" in path or "{task}" in path) and (method, "{task}" in path) != ("put", True)
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    OBJECT_ROUTES,
    ids=[f"{method}:{path.removeprefix('/api/users/{user}')}" for method, path, _ in OBJECT_ROUTES],
)
@pytest.mark.parametrize("which", ["unknown", "another-users"])
def test_unknown_object_under_an_allowed_user_is_404(
    api, staff_api, user, other_goal, other_task, method, path, body, which
):
    object_id = {"unknown": UNKNOWN_ID}.get(which)
    url = path.format(user=user.id, goal=object_id or other_goal.id, task=object_id or other_task.id)
    before = db_state()

    for client in (api, staff_api):
        response = call(client, method, url, body)
        assert response.status_code == 404, response.content
        assert_error_shape(response, "detail")
        assert "X-Cache" not in response
    assert db_state() == before


# --- goal_id in a task body ------------------------------------------------------


@pytest.mark.parametrize("client_name", ["api", "staff_api"])
def test_goal_id_of_another_user_in_a_task_body_is_400(request, user, task, other_goal, client_name):
    client = request.getfixturevalue(client_name)
    before = db_state()

    created = client.post(tasks_url(user.id), {"title": "Borrowed", "goal_id": other_goal.id}, format="json")
    patched = client.patch(tasks_url(user.id, task.id), {"goal_id": other_goal.id}, format="json")

    for response in (created, patched):
        assert response.status_code == 400, response.content
        assert_error_shape(response, "goal_id")
    assert db_state() == before


def test_staff_cannot_attach_their_own_goal_to_another_users_task(staff_api, staff_user, user):
    staff_goal = GoalFactory(user=staff_user)

    response = staff_api.post(tasks_url(user.id), {"title": "Mixed", "goal_id": staff_goal.id}, format="json")

    assert response.status_code == 400
    assert "goal_id" in response.json()


# --- path matching ---------------------------------------------------------------

BAD_IDS = ["0", "-1", "abc", "01", "1.0", "1e3", "%201", str(2**70), "9" * 19]
# (method, path, the id that is replaced by a bad one)
ID_SLOTS = [
    ("get", "/api/users/{user}", "user"),
    ("patch", "/api/users/{user}", "user"),
    ("get", "/api/users/{user}/goals", "user"),
    ("post", "/api/users/{user}/goals", "user"),
    ("get", "/api/users/{user}/goals/{goal}", "user"),
    ("get", "/api/users/{user}/goals/{goal}", "goal"),
    ("delete", "/api/users/{user}/goals/{goal}", "goal"),
    ("post", "/api/users/{user}/goals/{goal}/complete", "goal"),
    ("get", "/api/users/{user}/tasks", "user"),
    ("get", "/api/users/{user}/tasks/{task}", "user"),
    ("get", "/api/users/{user}/tasks/{task}", "task"),
    ("patch", "/api/users/{user}/tasks/{task}", "task"),
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("method", "path", "slot"), ID_SLOTS)
def test_path_ids_that_are_not_positive_integers_are_404(staff_api, user, goal, task, method, path, slot, bad):
    ids = {"user": user.id, "goal": goal.id, "task": task.id, slot: bad}
    before = db_state()

    for suffix in ("", "/"):
        response = getattr(staff_api, method)(path.format(**ids) + suffix)
        assert response.status_code == 404, (path, bad, suffix)
    assert db_state() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/auth/token",
        "/api/auth/logout",
        "/api/users",
        "/api/users/me",
        "/api/users/{user}",
        "/api/users/{user}/goals",
        "/api/users/{user}/goals/{goal}",
        "/api/users/{user}/goals/{goal}/complete",
        "/api/users/{user}/tasks",
        "/api/users/{user}/tasks/{task}",
    ],
)
def test_routes_answer_with_and_without_a_trailing_slash(staff_api, user, goal, task, path):
    url = path.format(user=user.id, goal=goal.id, task=task.id)

    for suffix in ("", "/"):
        response = staff_api.options(url + suffix)
        assert response.status_code == 200, (url + suffix, response.status_code)
        assert response["Content-Type"] == "application/json"


def test_a_path_id_404_is_json(api, user):
    response = api.get(goals_url(user.id) + "/0")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_double_trailing_slash_is_404(api, user):
    assert api.get(goals_url(user.id) + "//").status_code == 404


# --- headers ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CACHED_GETS)
def test_cached_gets_send_x_cache_content_type_and_private(api, user, goal, task, path):
    url = path.format(user=user.id, goal=goal.id, task=task.id)

    first, second = api.get(url), api.get(url + "/")

    for response, state in ((first, "MISS"), (second, "HIT")):
        assert response.status_code == 200
        assert response["X-Cache"] == state
        assert response["Content-Type"] == "application/json"
        assert "private" in response["Cache-Control"]
    assert first.content == second.content


def test_me_is_private_and_cached(api, user):
    first, second = api.get("/api/users/me"), api.get("/api/users/me")

    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert "private" in second["Cache-Control"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/users/{user}/goals", {"description": "New"}, 201),
        ("patch", "/api/users/{user}/goals/{goal}", {"importance": 3}, 200),
        ("put", "/api/users/{user}/goals/{goal}", {"description": "Put"}, 200),
        ("post", "/api/users/{user}/goals/{goal}/complete", None, 200),
        ("post", "/api/users/{user}/tasks", {"title": "New"}, 201),
        ("patch", "/api/users/{user}/tasks/{task}", {"priority": 2}, 200),
        ("patch", "/api/users/{user}", {"display_name": "New"}, 200),
        ("delete", "/api/users/{user}/tasks/{task}", None, 204),
        ("delete", "/api/users/{user}/goals/{goal}", None, 204),
        ("get", "/api/users/{user}/goals?status=bogus", None, 400),
        ("get", "/api/users/{user}/tasks?limit=0", None, 400),
        ("get", "/api/users/{user}/goals/987654321", None, 404),
        ("get", "/api/users/{user}/tasks/987654321", None, 404),
        ("delete", "/api/users/{user}/goals", None, 405),
        ("put", "/api/users/{user}/tasks/{task}", {"title": "x"}, 405),
    ],
)
def test_x_cache_only_on_200_cached_gets(api, user, goal, task, method, path, body, status):
    url = path.format(user=user.id, goal=goal.id, task=task.id)

    response = call(api, method, url, body)

    assert response.status_code == status, response.content
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    if status != 204:
        assert response["Content-Type"] == "application/json"


def test_the_browsable_api_is_never_served_from_the_cache(api, user, goal):
    url = goals_url(user.id)

    html = api.get(url, HTTP_ACCEPT="text/html")

    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert "X-Cache" not in html
    assert api.get(url)["X-Cache"] == "MISS"
    assert "X-Cache" not in api.get(url, HTTP_ACCEPT="text/html")
    assert api.get(url)["X-Cache"] == "HIT"


def test_a_hit_runs_only_the_token_lookup(api, user, goal, django_assert_num_queries):
    url = goals_url(user.id, goal.id)
    api.get(url)

    with django_assert_num_queries(1):
        assert api.get(url)["X-Cache"] == "HIT"


def test_cross_user_entries_are_separate(api, other_api, user, other_user, goal, other_goal):
    mine = api.get(goals_url(user.id)).json()
    theirs = other_api.get(goals_url(other_user.id))

    assert theirs["X-Cache"] == "MISS"
    assert [g["id"] for g in mine] == [goal.id]
    assert [g["id"] for g in theirs.json()] == [other_goal.id]


def test_staff_and_owner_share_the_users_entry(api, staff_api, user, goal):
    owner = api.get(goals_url(user.id))
    staff = staff_api.get(goals_url(user.id))

    assert staff["X-Cache"] == "HIT"
    assert staff.content == owner.content


def test_user_creation_is_not_per_user_cached(staff_api):
    response = staff_api.post("/api/users/", {"username": "fresh", "password": "Corr3ct-Horse!"}, format="json")

    assert response.status_code == 201
    assert "X-Cache" not in response
