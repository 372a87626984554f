"""The admin cache page (/admin/cache/): figures, families, a user's entries, flushes, staff only."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from aipal.cache import client, keys
from tests.factories import UserFactory
from tests.topology import key_names, set_keys

pytestmark = pytest.mark.django_db

PAGE = "/admin/cache/"


@pytest.fixture
def staff(staff_user) -> Client:
    staff_user.is_superuser = False  # is_staff alone opens the page
    staff_user.save()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    return browser


@pytest.fixture
def cached(api, other_api, user, other_user):
    """Goal lists and profiles of two users in the cache."""
    for api_client, owner in ((api, user), (other_api, other_user)):
        api_client.post(f"/api/users/{owner.id}/goals", {"description": f"goal of {owner.username}"}, format="json")
        for url in (f"/api/users/{owner.id}/goals", "/api/users/me"):
            assert api_client.get(url)["X-Cache"] == "MISS"
    return user, other_user


@pytest.fixture
def foreign(settings):
    """Keys of another app on the same Redis, one of them sharing the prefix's first letters."""
    tag = uuid.uuid4().hex
    names = (f"otherapp-{tag}:keep", f"{settings.CACHE_KEY_PREFIX}x:{tag}")
    set_keys(dict.fromkeys(names, "1"))
    yield names
    client.guarded(lambda r: r.delete(*names))


def user_keys(user_id: int) -> set[bytes]:
    return set(client.scan_keys(keys.user_key_pattern(user_id)))


def family_rows(response) -> dict[str, object]:
    return {row.name: row for row in response.context["families"].rows}


def csrf_post(browser: Client, url: str, data: dict[str, str]):
    browser.get(url, data)  # the confirmation page sets the CSRF cookie
    return browser.post(url, {**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})


def test_staff_sees_health_and_families(staff, cached):
    response = staff.get(PAGE)

    assert response.status_code == 200
    assert response.context["health"].status.value == "healthy"
    rows = family_rows(response)
    assert (rows["GOAL_LIST"].count, rows["GOAL_LIST"].ttl_seconds) == (2, 600)
    assert (rows["PROFILE"].count, rows["PROFILE"].ttl_seconds) == (2, 1800)
    assert rows["GOAL_LIST"].memory_bytes > 0 and rows["GOAL_LIST"].sampled == 2
    assert rows["TASK_LIST"].count == 0
    assert b'id="cache-families"' in response.content and b"sampled" in response.content
    assert b"Redis connected" in response.content


def test_admin_index_links_to_the_page(staff):
    assert PAGE.encode() in staff.get("/admin/").content


def test_a_users_entries_with_previews_and_no_token_values(staff, cached):
    user, other_user = cached
    record = key_names(keys.token_record(user.id, "a" * 32)).entry
    client.guarded(lambda r: r.set(record, "stamp\nSECRET-TOKEN-RECORD", px=60_000))

    response = staff.get(f"{PAGE}user/", {"user": str(user.id)})

    assert response.status_code == 200
    entries = {entry.family: entry for entry in response.context["listing"].entries}
    assert f"goal of {user.username}".encode() in response.content
    assert f"goal of {other_user.username}".encode() not in response.content
    assert 0 < entries["GOAL_LIST"].ttl_seconds <= 600 and entries["GOAL_LIST"].size_bytes > 0
    assert entries["AUTH_TOKEN"].preview == "" and entries["AUTH_TOKEN"].size_bytes > 0
    assert b"SECRET-TOKEN-RECORD" not in response.content


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1e3", "", "9" * 30])
def test_a_bad_user_id_is_a_400_with_a_message(staff, value):
    response = staff.get(f"{PAGE}user/", {"user": value})
    assert response.status_code == 400
    assert b"errornote" in response.content


def test_flush_confirmation_deletes_nothing(staff, cached):
    user, _ = cached
    before = user_keys(user.id)
    for url, data in (
        (f"{PAGE}flush/user/", {"user": str(user.id)}),
        (f"{PAGE}flush/family/", {"family": "goal_list"}),
        (f"{PAGE}flush/all/", {}),
    ):
        response = staff.get(url, data)
        assert response.status_code == 200
        assert response.context["count"] > 0 and b'type="submit"' in response.content
    assert user_keys(user.id) == before
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [("flush/user/", {"user": "{user}"}), ("flush/family/", {"family": "GOAL_LIST"}), ("flush/all/", {})],
)
def test_a_flush_without_csrf_is_refused(staff, cached, url, data):
    user, _ = cached
    before = user_keys(user.id)
    response = staff.post(PAGE + url, {k: v.format(user=user.id) for k, v in data.items()})
    assert response.status_code == 403
    assert user_keys(user.id) == before
    assert not LogEntry.objects.exists()


def test_flush_user_deletes_that_users_keys_only(staff, cached, foreign):
    user, other_user = cached
    theirs = user_keys(other_user.id)

    response = csrf_post(staff, f"{PAGE}flush/user/", {"user": str(user.id)})

    assert response.status_code == 302 and response["Location"] == PAGE
    assert user_keys(user.id) == set()
    assert user_keys(other_user.id) == theirs
    assert client.guarded(lambda r: r.exists(*foreign)) == len(foreign)
    entry = LogEntry.objects.get()
    assert f"user {user.id}" in entry.object_repr and "keys deleted" in entry.change_message


def test_flush_family_deletes_that_family_only(staff, cached, foreign):
    user, other_user = cached

    csrf_post(staff, f"{PAGE}flush/family/", {"family": "GOAL_LIST"})

    rows = family_rows(staff.get(PAGE))
    assert (rows["GOAL_LIST"].count, rows["PROFILE"].count) == (0, 2)
    assert client.guarded(lambda r: r.exists(*foreign)) == len(foreign)
    assert "GOAL_LIST" in LogEntry.objects.get().object_repr


def test_flush_all_deletes_the_apps_keys_only(staff, cached, foreign):
    csrf_post(staff, f"{PAGE}flush/all/", {})

    assert list(client.scan_keys(keys.app_key_pattern())) == []
    assert client.guarded(lambda r: r.exists(*foreign)) == len(foreign)
    assert LogEntry.objects.get().object_repr == "cache of this app"


@pytest.mark.parametrize(
    ("url", "data"), [("flush/family/", {"family": "NOPE"}), ("flush/user/", {"user": "x"}), ("flush/user/", {})]
)
def test_a_flush_of_nothing_valid_is_a_400(staff, url, data):
    response = staff.get(PAGE + url, data)
    assert response.status_code == 400 and b"errornote" in response.content


def test_an_unknown_flush_scope_is_a_404(staff):
    assert staff.get(f"{PAGE}flush/everything/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_only_staff_see_or_flush(cached, who):
    user, _ = cached
    browser = Client()
    if who == "non-staff":
        browser.force_login(UserFactory())
    before = user_keys(user.id)
    for url in (PAGE, f"{PAGE}user/?user={user.id}", f"{PAGE}flush/all/"):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
    response = browser.post(f"{PAGE}flush/user/", {"user": str(user.id)})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    response = browser.post(f"{PAGE}flush/all/")
    assert response.status_code == 302
    assert user_keys(user.id) == before
    assert not LogEntry.objects.exists()


def test_with_redis_down_the_page_shows_unhealthy(staff, dead_redis):
    response = staff.get(PAGE)
    assert response.status_code == 200
    assert response.context["health"].status.value == "unhealthy"
    assert response.context["families"] is None
    assert b'id="cache-status">unhealthy' in response.content


def test_with_redis_down_a_flush_fails_clearly(staff, dead_redis):
    response = csrf_post(staff, f"{PAGE}flush/all/", {})
    assert response.status_code == 503 and b"errornote" in response.content
    assert not LogEntry.objects.exists()
