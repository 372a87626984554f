"""Bad input, table-driven: every case is a 4xx with a message, never a 500, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.factories import GoalFactory, TaskFactory
from tests.api.helpers import assert_error_shape, db_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HUGE = 2**70

PROFILE = "/api/users/{user}"
ME = "/api/users/me"
USERS = "/api/users/"
GOALS = "/api/users/{user}/goals"
GOAL = "/api/users/{user}/goals/{goal}"
TASKS = "/api/users/{user}/tasks"
TASK = "/api/users/{user}/tasks/{task}"
DONE_TASK = "/api/users/{user}/tasks/{done_task}"
RUNNING_TASK = "/api/users/{user}/tasks/{running_task}"
NEW_USER = {"username": "newcomer", "password": "Corr3ct-Horse!"}
D = {"description": "d"}  # a valid goal body to spoil


def deep(levels: int) -> dict[str, Any]:
    """A JSON object nested ``levels`` deep: ``deep(1) == {"k": 1}``."""
    value: Any = 1
    for _ in range(levels):
        value = {"k": value}
    return value


def nested(levels: int, inner: str = "1") -> str:
    """Raw JSON arrays nested ``levels`` deep: past the decoder's recursion limit for large ``levels``."""
    return "[" * levels + inner + "]" * levels


def case(
    name: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: str | None = None,
    content_type: str = JSON,
    status: int = 400,
    key: str | None = None,
    staff: bool = False,
) -> Any:
    """One row of the table; ``body`` is sent as JSON, ``raw`` as it is."""
    data = raw if raw is not None else ("" if body is None else json.dumps(body))
    return pytest.param(method, path, data, content_type, status, key, staff, id=name)


CASES = [
    # --- profile PATCH -------------------------------------------------------------
    case("profile-malformed-json", "PATCH", PROFILE, raw='{"display_name": ', key="detail"),
    case("profile-json-list", "PATCH", PROFILE, [{"display_name": "x"}], key="non_field_errors"),
    case("profile-json-string", "PATCH", PROFILE, "display_name", key="non_field_errors"),
    case("profile-json-null", "PATCH", PROFILE, raw="null", key="non_field_errors"),
    case("profile-nan-literal", "PATCH", PROFILE, raw='{"preferences": {"x": NaN}}', key="detail"),
    case("profile-display-name-151", "PATCH", PROFILE, {"display_name": "d" * 151}, key="display_name"),
    case("profile-display-name-bool", "PATCH", PROFILE, {"display_name": True}, key="display_name"),
    case("profile-display-name-null", "PATCH", PROFILE, {"display_name": None}, key="display_name"),
    case("profile-display-name-object", "PATCH", PROFILE, {"display_name": {"a": 1}}, key="display_name"),
    case("profile-display-name-nul-char", "PATCH", PROFILE, {"display_name": "a\x00b"}, key="display_name"),
    case("profile-learning-style-51", "PATCH", PROFILE, {"learning_style": "l" * 51}, key="learning_style"),
    case("profile-learning-style-list", "PATCH", PROFILE, {"learning_style": ["visual"]}, key="learning_style"),
    case("profile-email-invalid", "PATCH", PROFILE, {"email": "not-an-email"}, key="email"),
    case("profile-email-null", "PATCH", PROFILE, {"email": None}, key="email"),
    case(
        "profile-email-255",
        "PATCH",
        PROFILE,
        {"email": "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 7 + ".com"},
        key="email",
    ),
    case("profile-preferences-list", "PATCH", PROFILE, {"preferences": [1, 2]}, key="preferences"),
    case("profile-preferences-string", "PATCH", PROFILE, {"preferences": "dark"}, key="preferences"),
    case("profile-preferences-null", "PATCH", PROFILE, {"preferences": None}, key="preferences"),
    case("profile-preferences-over-16kb", "PATCH", PROFILE, {"preferences": {"k": "x" * 16400}}, key="preferences"),
    case("profile-preferences-depth-6", "PATCH", PROFILE, {"preferences": deep(6)}, key="preferences"),
    case("profile-preferences-huge-int", "PATCH", PROFILE, {"preferences": {"n": HUGE}}, key="preferences"),
    case("profile-preferences-inf", "PATCH", PROFILE, raw='{"preferences": {"n": 1e999}}', key="preferences"),
    case("profile-preferences-nul-value", "PATCH", PROFILE, {"preferences": {"k": "a\x00b"}}, key="preferences"),
    case("profile-preferences-nul-key", "PATCH", PROFILE, {"preferences": {"a": {"k\x00": 1}}}, key="preferences"),
    case("profile-nested-5000", "PATCH", PROFILE, raw='{"preferences": ' + nested(5000) + "}", key="detail"),
    case("profile-form-encoded", "PATCH", PROFILE, raw="display_name=x", content_type=FORM, status=415, key="detail"),
    case("me-display-name-151", "PATCH", ME, {"display_name": "d" * 151}, key="display_name"),
    case("me-preferences-depth-6", "PATCH", ME, {"preferences": deep(6)}, key="preferences"),
    # --- user create (staff) ---------------------------------------------------------
    case("user-duplicate-username", "POST", USERS, {**NEW_USER, "username": "taken"}, key="username", staff=True),
    case("user-weak-password", "POST", USERS, {**NEW_USER, "password": "123"}, key="password", staff=True),
    case("user-common-password", "POST", USERS, {**NEW_USER, "password": "password"}, key="password", staff=True),
    case("user-numeric-password", "POST", USERS, {**NEW_USER, "password": "73829104658"}, key="password", staff=True),
    case("user-no-password", "POST", USERS, {"username": "newcomer"}, key="password", staff=True),
    case("user-no-username", "POST", USERS, {"password": "Corr3ct-Horse!"}, key="username", staff=True),
    case("user-bad-username", "POST", USERS, {**NEW_USER, "username": "bad name!"}, key="username", staff=True),
    case("user-username-151", "POST", USERS, {**NEW_USER, "username": "u" * 151}, key="username", staff=True),
    case("user-bad-email", "POST", USERS, {**NEW_USER, "email": "nope"}, key="email", staff=True),
    case("user-json-list", "POST", USERS, [NEW_USER], key="non_field_errors", staff=True),
    case("user-malformed-json", "POST", USERS, raw="{username", key="detail", staff=True),
    case("user-nested-5000", "POST", USERS, raw=nested(5000), key="detail", staff=True),
    case("user-form-encoded", "POST", USERS, raw="username=a&password=b", content_type=FORM, status=415, staff=True),
    # --- goal POST -------------------------------------------------------------------
    case("goal-post-no-description", "POST", GOALS, {"importance": 5}, key="description"),
    case("goal-post-empty-description", "POST", GOALS, {"description": ""}, key="description"),
    case("goal-post-blank-description", "POST", GOALS, {"description": "  \t\n "}, key="description"),
    case("goal-post-description-2001", "POST", GOALS, {"description": "d" * 2001}, key="description"),
    case("goal-post-description-bool", "POST", GOALS, {"description": False}, key="description"),
    case("goal-post-description-null", "POST", GOALS, {"description": None}, key="description"),
    case("goal-post-description-surrogate", "POST", GOALS, raw='{"description": "a\\ud800"}', key="description"),
    case("goal-post-importance-0", "POST", GOALS, {**D, "importance": 0}, key="importance"),
    case("goal-post-importance-11", "POST", GOALS, {**D, "importance": 11}, key="importance"),
    case("goal-post-importance-string", "POST", GOALS, {**D, "importance": "high"}, key="importance"),
    case("goal-post-importance-bool", "POST", GOALS, {**D, "importance": True}, key="importance"),
    case("goal-post-importance-float", "POST", GOALS, {**D, "importance": 5.5}, key="importance"),
    case("goal-post-importance-huge", "POST", GOALS, {**D, "importance": HUGE}, key="importance"),
    case("goal-post-importance-negative", "POST", GOALS, {**D, "importance": -3}, key="importance"),
    case("goal-post-importance-null", "POST", GOALS, {**D, "importance": None}, key="importance"),
    case(
        "goal-post-importance-5000-digits",
        "POST",
        GOALS,
        raw='{"description": "d", "importance": ' + "9" * 5000 + "}",
        key="detail",
    ),
    case("goal-post-bad-complexity", "POST", GOALS, {**D, "complexity_level": "huge"}, key="complexity_level"),
    case("goal-post-complexity-case", "POST", GOALS, {**D, "complexity_level": "MINI"}, key="complexity_level"),
    case("goal-post-bad-status", "POST", GOALS, {**D, "status": "done"}, key="status"),
    case("goal-post-deadline-words", "POST", GOALS, {**D, "deadline": "next tuesday"}, key="deadline"),
    case("goal-post-deadline-feb-30", "POST", GOALS, {**D, "deadline": "2030-02-30T00:00:00Z"}, key="deadline"),
    case("goal-post-deadline-int", "POST", GOALS, {**D, "deadline": 1700000000}, key="deadline"),
    case(
        "goal-post-deadline-out-of-range",
        "POST",
        GOALS,
        {**D, "deadline": "9999-12-31T23:59:59-05:00"},
        key="deadline",
    ),
    case(
        "goal-post-value-1e999",
        "POST",
        GOALS,
        raw='{"description": "d", "estimated_value": 1e999}',
        key="estimated_value",
    ),
    case("goal-post-value-inf-string", "POST", GOALS, {**D, "estimated_value": "1e999"}, key="estimated_value"),
    case("goal-post-value-nan-string", "POST", GOALS, {**D, "estimated_value": "NaN"}, key="estimated_value"),
    case(
        "goal-post-value-nan-literal", "POST", GOALS, raw='{"description": "d", "estimated_value": NaN}', key="detail"
    ),
    case("goal-post-value-word", "POST", GOALS, {**D, "estimated_value": "lots"}, key="estimated_value"),
    case("goal-post-json-list", "POST", GOALS, [{"description": "d"}], key="non_field_errors"),
    case("goal-post-json-string", "POST", GOALS, "description", key="non_field_errors"),
    case("goal-post-json-number", "POST", GOALS, 42, key="non_field_errors"),
    case("goal-post-malformed-json", "POST", GOALS, raw='{"description": "d",}', key="detail"),
    case("goal-post-invalid-utf8", "POST", GOALS, raw="\udcff", key="detail"),
    case("goal-post-nested-5000", "POST", GOALS, raw=nested(5000), key="detail"),
    case("goal-post-nested-object", "POST", GOALS, raw='{"a":' * 3000 + "1" + "}" * 3000, key="detail"),
    case("goal-post-form-encoded", "POST", GOALS, raw="description=d", content_type=FORM, status=415, key="detail"),
    case("goal-post-text-plain", "POST", GOALS, raw='{"description": "d"}', content_type="text/plain", status=415),
    # --- goal PUT --------------------------------------------------------------------
    case("goal-put-no-description", "PUT", GOAL, {"importance": 3}, key="description"),
    case("goal-put-importance-0", "PUT", GOAL, {**D, "importance": 0}, key="importance"),
    case("goal-put-bad-status", "PUT", GOAL, {**D, "status": "finished"}, key="status"),
    case("goal-put-json-list", "PUT", GOAL, [], key="non_field_errors"),
    case("goal-put-form-encoded", "PUT", GOAL, raw="description=d", content_type=FORM, status=415),
    # --- goal PATCH ------------------------------------------------------------------
    case("goal-patch-empty-description", "PATCH", GOAL, {"description": ""}, key="description"),
    case("goal-patch-blank-description", "PATCH", GOAL, {"description": "   "}, key="description"),
    case("goal-patch-description-2001", "PATCH", GOAL, {"description": "d" * 2001}, key="description"),
    case("goal-patch-importance-11", "PATCH", GOAL, {"importance": 11}, key="importance"),
    case("goal-patch-importance-string", "PATCH", GOAL, {"importance": "5 stars"}, key="importance"),
    case("goal-patch-status-null", "PATCH", GOAL, {"status": None}, key="status"),
    case("goal-patch-bad-status", "PATCH", GOAL, {"status": "paused"}, key="status"),
    case("goal-patch-bad-complexity", "PATCH", GOAL, {"complexity_level": "giga"}, key="complexity_level"),
    case("goal-patch-value-minus-1e999", "PATCH", GOAL, raw='{"estimated_value": -1e999}', key="estimated_value"),
    case("goal-patch-deadline-bad", "PATCH", GOAL, {"deadline": "2030-13-01T00:00:00Z"}, key="deadline"),
    case("goal-patch-malformed-json", "PATCH", GOAL, raw="{", key="detail"),
    case("goal-patch-json-string", "PATCH", GOAL, "complete", key="non_field_errors"),
    # --- task POST -------------------------------------------------------------------
    case("task-post-no-title", "POST", TASKS, {"priority": 5}, key="title"),
    case("task-post-empty-title", "POST", TASKS, {"title": ""}, key="title"),
    case("task-post-blank-title", "POST", TASKS, {"title": "   "}, key="title"),
    case("task-post-title-501", "POST", TASKS, {"title": "t" * 501}, key="title"),
    case("task-post-title-list", "POST", TASKS, {"title": ["t"]}, key="title"),
    case("task-post-priority-0", "POST", TASKS, {"title": "t", "priority": 0}, key="priority"),
    case("task-post-priority-11", "POST", TASKS, {"title": "t", "priority": 11}, key="priority"),
    case("task-post-priority-string", "POST", TASKS, {"title": "t", "priority": "urgent"}, key="priority"),
    case("task-post-priority-bool", "POST", TASKS, {"title": "t", "priority": True}, key="priority"),
    case("task-post-priority-float", "POST", TASKS, {"title": "t", "priority": 2.5}, key="priority"),
    case("task-post-priority-huge", "POST", TASKS, {"title": "t", "priority": HUGE}, key="priority"),
    case("task-post-other-users-goal", "POST", TASKS, {"title": "t", "goal_id": "{other_goal}"}, key="goal_id"),
    case("task-post-unknown-goal", "POST", TASKS, {"title": "t", "goal_id": 987654321}, key="goal_id"),
    case("task-post-goal-id-huge", "POST", TASKS, {"title": "t", "goal_id": HUGE}, key="goal_id"),
    case("task-post-goal-id-zero", "POST", TASKS, {"title": "t", "goal_id": 0}, key="goal_id"),
    case("task-post-goal-id-word", "POST", TASKS, {"title": "t", "goal_id": "first"}, key="goal_id"),
    case("task-post-goal-id-bool", "POST", TASKS, {"title": "t", "goal_id": True}, key="goal_id"),
    case("task-post-task-type-empty", "POST", TASKS, {"title": "t", "task_type": ""}, key="task_type"),
    case("task-post-task-type-51", "POST", TASKS, {"title": "t", "task_type": "x" * 51}, key="task_type"),
    case("task-post-result-list", "POST", TASKS, {"title": "t", "result": [1]}, key="result"),
    case("task-post-result-huge-int", "POST", TASKS, {"title": "t", "result": {"n": -HUGE}}, key="result"),
    case("task-post-result-depth-6", "POST", TASKS, {"title": "t", "result": deep(6)}, key="result"),
    case("task-post-error-2001", "POST", TASKS, {"title": "t", "error_message": "e" * 2001}, key="error_message"),
    case("task-post-json-list", "POST", TASKS, [{"title": "t"}], key="non_field_errors"),
    case("task-post-malformed-json", "POST", TASKS, raw="[", key="detail"),
    case("task-post-result-nul", "POST", TASKS, {"title": "t", "result": {"log": ["ok", "\x00"]}}, key="result"),
    case(
        "task-post-result-nested-5000",
        "POST",
        TASKS,
        raw='{"title": "t", "result": ' + nested(5000) + "}",
        key="detail",
    ),
    case("task-post-form-encoded", "POST", TASKS, raw="title=t", content_type=FORM, status=415, key="detail"),
    # --- task PATCH and PUT ----------------------------------------------------------
    case("task-patch-pending-to-completed", "PATCH", TASK, {"status": "completed"}, key="status"),
    case("task-patch-pending-to-failed", "PATCH", TASK, {"status": "failed"}, key="status"),
    case("task-patch-completed-to-running", "PATCH", DONE_TASK, {"status": "running"}, key="status"),
    case("task-patch-completed-to-pending", "PATCH", DONE_TASK, {"status": "pending"}, key="status"),
    case("task-patch-running-to-pending", "PATCH", RUNNING_TASK, {"status": "pending"}, key="status"),
    case("task-patch-bad-status", "PATCH", TASK, {"status": "done"}, key="status"),
    case("task-patch-status-null", "PATCH", TASK, {"status": None}, key="status"),
    case("task-patch-title-empty", "PATCH", TASK, {"title": ""}, key="title"),
    case("task-patch-title-null", "PATCH", TASK, {"title": None}, key="title"),
    case("task-patch-priority-float", "PATCH", TASK, {"priority": 1.5}, key="priority"),
    case("task-patch-other-users-goal", "PATCH", TASK, {"goal_id": "{other_goal}"}, key="goal_id"),
    case("task-patch-goal-id-huge", "PATCH", TASK, {"goal_id": HUGE}, key="goal_id"),
    case("task-patch-result-string", "PATCH", TASK, {"result": "ok"}, key="result"),
    case("task-patch-transition-and-title", "PATCH", TASK, {"title": "new", "status": "completed"}, key="status"),
    case("task-patch-malformed-json", "PATCH", TASK, raw='{"title": "t"', key="detail"),
    case("task-patch-json-list", "PATCH", TASK, [{"title": "t"}], key="non_field_errors"),
    case("task-patch-nested-5000", "PATCH", TASK, raw=nested(5000), key="detail"),
    case("task-patch-form-encoded", "PATCH", TASK, raw="title=t", content_type=FORM, status=415),
    case("task-put", "PUT", TASK, {"title": "t"}, status=405, key="detail"),
    # --- query parameters ------------------------------------------------------------
    case("goals-status-unknown", "GET", GOALS + "?status=done", key="status"),
    case("goals-status-upper-case", "GET", GOALS + "?status=ALL", key="status"),
    case("goals-status-nul", "GET", GOALS + "?status=%00", key="status"),
    case("goals-limit-0", "GET", GOALS + "?limit=0", key="limit"),
    case("goals-limit-1001", "GET", GOALS + "?limit=1001", key="limit"),
    case("goals-limit-negative", "GET", GOALS + "?limit=-1", key="limit"),
    case("goals-limit-word", "GET", GOALS + "?limit=ten", key="limit"),
    case("goals-limit-float", "GET", GOALS + "?limit=1.5", key="limit"),
    case("goals-limit-huge", "GET", GOALS + f"?limit={HUGE}", key="limit"),
    case("goals-limit-5000-digits", "GET", GOALS + "?limit=" + "1" * 5000, key="limit"),
    case("goals-limit-bad-with-good-status", "GET", GOALS + "?status=all&limit=0", key="limit"),
    case("tasks-status-unknown", "GET", TASKS + "?status=done", key="status"),
    case("tasks-limit-0", "GET", TASKS + "?limit=0", key="limit"),
    case("tasks-limit-1001", "GET", TASKS + "?limit=1001", key="limit"),
    case("tasks-goal-id-word", "GET", TASKS + "?goal_id=abc", key="goal_id"),
    case("tasks-goal-id-zero", "GET", TASKS + "?goal_id=0", key="goal_id"),
    case("tasks-goal-id-negative", "GET", TASKS + "?goal_id=-4", key="goal_id"),
    case("tasks-goal-id-huge", "GET", TASKS + f"?goal_id={HUGE}", key="goal_id"),
    case("tasks-goal-id-float", "GET", TASKS + "?goal_id=1.5", key="goal_id"),
    case("goal-post-importance-bool", "POST", GOALS, {"description": "d", "importance": True}, key="importance"),
    case(
        "goal-post-estimate-bool", "POST", GOALS, {"description": "d", "estimated_value": True}, key="estimated_value"
    ),
    case("task-post-priority-bool", "POST", TASKS, {"title": "t", "priority": False}, key="priority"),
    case("task-post-goal-id-bool", "POST", TASKS, {"title": "t", "goal_id": True}, key="goal_id"),
    case("goals-limit-one-point-zero", "GET", GOALS + "?limit=1.0", key="limit"),
    case("goals-limit-leading-space", "GET", GOALS + "?limit=%205", key="limit"),
    case("tasks-goal-id-plus-sign", "GET", TASKS + "?goal_id=%2B1", key="goal_id"),
    case("goals-status-empty", "GET", GOALS + "?status=", key="status"),
    case("goals-limit-empty", "GET", GOALS + "?limit=", key="limit"),
    case("tasks-status-empty", "GET", TASKS + "?status=", key="status"),
    case("tasks-goal-id-empty", "GET", TASKS + "?goal_id=", key="goal_id"),
]


@pytest.fixture
def world(user, other_user, staff_user) -> dict[str, int]:
    """Ids the table's paths and bodies name."""
    goal = GoalFactory(user=user, description="Untouched goal")
    other_goal = GoalFactory(user=other_user)
    TaskFactory(user=other_user, goal=other_goal)
    UserFactory(username="taken")
    return {
        "user": user.id,
        "goal": goal.id,
        "other_goal": other_goal.id,
        "task": TaskFactory(user=user, goal=goal).id,
        "running_task": TaskFactory(user=user, status="running").id,
        "done_task": TaskFactory(user=user, status="completed").id,
    }


@pytest.mark.parametrize(("method", "path", "data", "content_type", "status", "key", "staff"), CASES)
def test_bad_input_is_rejected_and_changes_nothing(
    api, staff_api, world, method, path, data, content_type, status, key, staff
):
    client = staff_api if staff else api
    url = path.format(**world)
    data = data.replace('"{other_goal}"', str(world["other_goal"]))
    payload = data.encode("utf-8", "surrogateescape")
    before = db_state()

    response = client.generic(method, url, payload, content_type=content_type)

    assert response.status_code == status, response.content
    assert_error_shape(response, key)
    assert "X-Cache" not in response
    assert db_state() == before


# --- read-only fields are ignored ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (PROFILE, {"id": 999, "username": "renamed", "date_joined": "2000-01-01T00:00:00Z"}),
        (ME, {"id": 999, "username": "renamed"}),
        (GOAL, {"id": 999, "user_id": 999, "created_at": "2000-01-01T00:00:00Z", "progress": {"tasks_total": 9}}),
        (GOAL, {"updated_at": "2000-01-01T00:00:00Z", "completed_at": "2000-01-01T00:00:00Z"}),
        (TASK, {"id": 999, "user_id": 999, "attempts": 42, "created_at": "2000-01-01T00:00:00Z"}),
        (TASK, {"started_at": "2000-01-01T00:00:00Z", "completed_at": "2000-01-01T00:00:00Z"}),
    ],
    ids=["profile", "me", "goal-ids", "goal-times", "task-ids", "task-times"],
)
def test_patch_of_read_only_fields_is_ignored(api, world, path, body):
    url = path.format(**world)
    before = api.get(url).json()

    response = api.patch(url, body, format="json")

    assert response.status_code == 200, response.content
    after = response.json()
    for name in body:
        if name in after and name != "updated_at":
            assert after[name] == before[name], name
