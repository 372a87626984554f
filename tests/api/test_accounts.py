"""Authentication, user creation and the profile: API.md "Authentication and access"."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from aipal.accounts.models import Profile
from tests.api.helpers import PROFILE_FIELDS, assert_error_shape, goals_url, parse_time, tasks_url, user_url
from tests.conftest import token_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# --- token login -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/token", "/api/auth/token/"])
def test_token_login_returns_a_working_token(anon_api, user, path):
    response = anon_api.post(path, {"username": user.username, "password": PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"token", "expires_at"}
    me = token_client(response.json()["token"]).get("/api/users/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.id


@pytest.mark.parametrize(
    "body",
    [
        {"username": "nobody", "password": PASSWORD},
        {"username": "{user}", "password": "wrong-password"},
        {"username": "{user}"},
        {"password": PASSWORD},
        {},
    ],
    ids=["unknown-user", "wrong-password", "no-password", "no-username", "empty"],
)
def test_token_login_with_bad_credentials_is_400(anon_api, user, body):
    body = {name: value.replace("{user}", user.username) for name, value in body.items()}

    response = anon_api.post("/api/auth/token/", body, format="json")

    assert response.status_code == 400, response.content
    assert_error_shape(response)
    assert "token" not in response.json()


def test_token_login_with_a_deeply_nested_body_is_400(anon_api):
    response = anon_api.post("/api/auth/token/", "[" * 5000 + "]" * 5000, content_type="application/json")

    assert response.status_code == 400
    assert_error_shape(response, "detail")


def test_token_login_accepts_a_form(anon_api, user):
    response = anon_api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}


def test_token_login_of_an_inactive_user_is_400(anon_api, user):
    user.is_active = False
    user.save()

    response = anon_api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")

    assert response.status_code == 400


# --- logout ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/logout", "/api/auth/logout/"])
def test_logout_revokes_the_token_at_once(api, user, path):
    assert api.get("/api/users/me").status_code == 200

    response = api.post(path)

    assert response.status_code == 204
    assert response.content == b""
    assert not AuthToken.objects.filter(user=user).exists()
    after = api.get("/api/users/me")
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Token"


def test_logout_revokes_the_token_on_a_cached_path(api, user):
    url = goals_url(user.id)
    assert api.get(url)["X-Cache"] == "MISS"
    assert api.get(url)["X-Cache"] == "HIT"

    assert api.post("/api/auth/logout/").status_code == 204

    after = api.get(url)
    assert after.status_code == 401
    assert "X-Cache" not in after
    assert api.get(user_url(user.id)).status_code == 401


def test_logout_revokes_only_the_callers_token(api, other_api, other_user):
    assert api.post("/api/auth/logout/").status_code == 204

    assert other_api.get(user_url(other_user.id)).status_code == 200


def test_logout_without_credentials_is_401(anon_api):
    response = anon_api.post("/api/auth/logout/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- 401 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/users/me"),
        ("patch", "/api/users/me"),
        ("get", "/api/users/{user}"),
        ("patch", "/api/users/{user}"),
        ("post", "/api/users/"),
        ("get", "/api/users/{user}/goals"),
        ("post", "/api/users/{user}/goals"),
        ("get", "/api/users/{user}/goals/{goal}"),
        ("put", "/api/users/{user}/goals/{goal}"),
        ("patch", "/api/users/{user}/goals/{goal}"),
        ("delete", "/api/users/{user}/goals/{goal}"),
        ("post", "/api/users/{user}/goals/{goal}/complete"),
        ("get", "/api/users/{user}/tasks"),
        ("post", "/api/users/{user}/tasks"),
        ("get", "/api/users/{user}/tasks/{task}"),
        ("patch", "/api/users/{user}/tasks/{task}"),
        ("delete", "/api/users/{user}/tasks/{task}"),
    ],
)
def test_no_credentials_is_401_with_www_authenticate(anon_api, user, goal, task, method, path):
    url = path.format(user=user.id, goal=goal.id, task=task.id)

    response = getattr(anon_api, method)(url, {}, format="json")

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert_error_shape(response, "detail")
    assert "X-Cache" not in response


def test_an_unknown_token_is_401(user):
    response = token_client("0" * 40).get(user_url(user.id))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- user creation ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/users", "/api/users/"])
def test_staff_create_a_user(staff_api, anon_api, path):
    response = staff_api.post(
        path, {"username": "newbie", "password": "Corr3ct-Horse!", "email": "n@x.io"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "username"} <= set(body)
    assert body["username"] == "newbie"
    created = get_user_model().objects.get(pk=body["id"])
    assert created.email == "n@x.io"
    assert not created.is_staff
    assert Profile.objects.filter(user=created).exists()
    login = anon_api.post("/api/auth/token/", {"username": "newbie", "password": "Corr3ct-Horse!"}, format="json")
    assert login.status_code == 200


def test_staff_create_a_user_without_email(staff_api):
    response = staff_api.post("/api/users/", {"username": "plain", "password": "Corr3ct-Horse!"}, format="json")

    assert response.status_code == 201, response.content
    assert get_user_model().objects.get(username="plain").email == ""


def test_non_staff_cannot_create_users(api):
    before = get_user_model().objects.count()

    response = api.post("/api/users/", {"username": "sneaky", "password": "Corr3ct-Horse!"}, format="json")

    assert response.status_code == 403
    assert_error_shape(response, "detail")
    assert get_user_model().objects.count() == before


def test_create_user_rejects_a_duplicate_username(staff_api, user):
    response = staff_api.post("/api/users/", {"username": user.username, "password": "Corr3ct-Horse!"}, format="json")

    assert response.status_code == 400
    assert_error_shape(response, "username")


@pytest.mark.parametrize("password", ["123", "password", "12345678901", "newbie-x"])
def test_create_user_rejects_a_weak_password(staff_api, password):
    response = staff_api.post("/api/users/", {"username": "newbie-x", "password": password}, format="json")

    assert response.status_code == 400
    assert_error_shape(response, "password")
    assert not get_user_model().objects.filter(username="newbie-x").exists()


# --- profile ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/users/me", "/api/users/me/"])
def test_me_is_the_callers_profile(api, user, path):
    response = api.get(path)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["id"] == user.id
    assert body["username"] == user.username
    assert body == api.get(user_url(user.id)).json()


def test_profile_fields(api, user):
    response = api.get(user_url(user.id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "private" in response["Cache-Control"]
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert body["email"] == user.email
    assert body["display_name"] == user.profile.display_name
    assert body["learning_style"] == "visual"
    assert body["preferences"] == {"theme": "dark"}
    assert parse_time(body["date_joined"]) == user.date_joined


def test_profile_of_a_user_without_a_profile_row_shows_defaults(api, user):
    Profile.objects.filter(user=user).delete()

    response = api.get(user_url(user.id))

    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["learning_style"], body["preferences"]) == ("", None, {})


def test_profile_read_is_cached(api, user):
    first = api.get(user_url(user.id))
    second = api.get(user_url(user.id))

    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.content == second.content


@pytest.mark.parametrize("path", ["/api/users/{user}", "/api/users/{user}/", "/api/users/me", "/api/users/me/"])
def test_patch_profile_updates_every_writable_field(api, user, path):
    change = {
        "display_name": "Ada L.",
        "email": "ada@example.org",
        "learning_style": "kinesthetic",
        "preferences": {"theme": "light", "nested": {"a": [1, 2, {"b": None}]}},
    }

    response = api.patch(path.format(user=user.id), change, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert {name: body[name] for name in change} == change
    user.refresh_from_db()
    assert user.email == "ada@example.org"
    assert user.profile.display_name == "Ada L."
    assert api.get(user_url(user.id)).json() == body


def test_patch_profile_is_partial(api, user):
    response = api.patch(user_url(user.id), {"learning_style": None}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["learning_style"] is None
    assert body["preferences"] == {"theme": "dark"}
    assert body["email"] == user.email


def test_patch_profile_creates_a_missing_profile_row(api, user):
    Profile.objects.filter(user=user).delete()

    response = api.patch(user_url(user.id), {"display_name": "Fresh"}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"] == "Fresh"
    assert Profile.objects.get(user=user).display_name == "Fresh"


@pytest.mark.parametrize(
    "change",
    [{"display_name": "Renamed"}, {"email": "renamed@example.org"}, {"preferences": {"theme": "sepia"}}],
    ids=["profile-field", "email", "preferences"],
)
def test_patch_profile_fires_user_updated(api, other_api, user, other_user, goal, task, change):
    """USER_UPDATED makes every cached entry of the user fresh; other users keep theirs."""
    urls = [
        user_url(user.id),
        goals_url(user.id),
        goals_url(user.id, goal.id),
        tasks_url(user.id),
        tasks_url(user.id, task.id),
    ]
    for url in urls:
        assert api.get(url)["X-Cache"] == "MISS"
        assert api.get(url)["X-Cache"] == "HIT"
    other_url = user_url(other_user.id)
    assert other_api.get(other_url)["X-Cache"] == "MISS"

    assert api.patch(user_url(user.id), change, format="json").status_code == 200

    for url in urls:
        assert api.get(url)["X-Cache"] == "MISS", url
    profile = api.get(user_url(user.id)).json()
    assert {name: profile[name] for name in change} == change
    assert other_api.get(other_url)["X-Cache"] == "HIT"
