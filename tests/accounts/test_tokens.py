"""Tokens (API.md "Tokens"): one per login, stored as a hash, expiring, revoked by logout,
a new password or deactivation."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from tests.api.helpers import parse_time
from tests.conftest import CommittingAPIClient, token_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(user) -> dict:  # type: ignore[no-untyped-def]
    response = CommittingAPIClient().post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def me_status(token: str) -> int:
    return token_client(token).get("/api/users/me").status_code


def test_every_login_issues_a_new_token_and_all_of_them_work(user):
    first, second = login(user)["token"], login(user)["token"]
    assert first != second
    assert me_status(first) == me_status(second) == 200


def test_tokens_are_stored_only_as_a_hash(user):
    token = login(user)["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        rows = cursor.fetchall()
    assert rows and not any(token in str(value) for row in rows for value in row)


def test_a_token_expires_token_ttl_hours_after_it_was_issued(user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    before = timezone.now()
    body = login(user)
    expires_at = AuthToken.objects.get(user=user).expiry
    assert before + timedelta(hours=2) <= expires_at <= timezone.now() + timedelta(hours=2)
    assert parse_time(body["expires_at"]) == expires_at


def test_a_ttl_of_zero_never_expires(user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": None}
    body = login(user)
    assert body["expires_at"] is None
    assert AuthToken.objects.get(user=user).expiry is None
    assert me_status(body["token"]) == 200


def test_an_expired_token_is_401_with_www_authenticate_and_deleted(user):
    token = login(user)["token"]
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    response = token_client(token).get(f"/api/users/{user.id}/goals")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_login_deletes_the_users_expired_tokens(user):
    login(user)
    AuthToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    login(user)
    assert AuthToken.objects.filter(user=user).count() == 1


def test_logout_revokes_the_token_used_and_no_other(user):
    kept, revoked = login(user)["token"], login(user)["token"]
    assert token_client(revoked).post("/api/auth/logout/").status_code == 204
    assert me_status(revoked) == 401
    assert me_status(kept) == 200


def test_a_new_password_revokes_every_token_of_the_user(user, other_user):
    tokens = [login(user)["token"], login(user)["token"]]
    other = login(other_user)["token"]
    user.set_password("a-new-pass-word-456")
    user.save()
    assert [me_status(t) for t in tokens] == [401, 401]
    assert me_status(other) == 200


def test_deactivation_revokes_every_token_for_good(user):
    token = login(user)["token"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not AuthToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert me_status(token) == 401


def test_other_user_changes_keep_the_tokens(user):
    token = login(user)["token"]
    user.email = "changed@example.com"
    user.save()
    get_user_model().objects.get(pk=user.pk).save()  # loaded afresh, saved unchanged
    assert me_status(token) == 200


def test_a_user_loaded_with_deferred_fields_costs_no_extra_query(user, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(get_user_model().objects.only("id").filter(pk=user.pk))


@pytest.mark.parametrize("header", [b"Token \xff\xfe", b"Token", b"Token a b", b"Token " + b"0" * 64])
def test_malformed_or_unknown_tokens_are_401_never_500(header):
    response = CommittingAPIClient().get("/api/users/1/goals", HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_staff_created_user_can_log_in_and_staff_tokens_work(staff_api):
    response = staff_api.post("/api/users/", {"username": "newbie", "password": "Corr3ct-Horse!"}, format="json")
    assert response.status_code == 201
    newbie = get_user_model().objects.get(username="newbie")
    body = CommittingAPIClient().post("/api/auth/token/", {"username": "newbie", "password": "Corr3ct-Horse!"}).json()
    assert token_client(body["token"]).get(f"/api/users/{newbie.id}").status_code == 200


@pytest.mark.parametrize(("value", "seconds"), [("0.001", 3.6), ("24", 86400.0), ("0", None)])
def test_token_ttl_hours_takes_decimals_and_zero(value, seconds):
    code = "from aipal.settings import base; ttl = base.REST_KNOX['TOKEN_TTL']; print(ttl and ttl.total_seconds())"
    env = {**os.environ, "TOKEN_TTL_HOURS": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == str(seconds)


def test_a_negative_token_ttl_refuses_to_start():
    env = {**os.environ, "TOKEN_TTL_HOURS": "-1"}
    out = subprocess.run([sys.executable, "-c", "import aipal.settings.base"], env=env, capture_output=True, text=True)  # noqa: S603
    assert out.returncode != 0 and "TOKEN_TTL_HOURS" in out.stderr


def test_a_new_password_set_on_a_user_loaded_without_it_still_revokes(user):
    token = login(user)["token"]
    loaded = get_user_model().objects.only("id").get(pk=user.pk)
    loaded.set_password("another-pass-word-789")
    loaded.save()
    assert me_status(token) == 401
