"""Throttles: failed logins per username and IP (token and admin login), requests per user
(fast path included, in the same Redis call) and per anonymous IP; 429 with Retry-After;
off when told; open when Redis is down."""

from __future__ import annotations

import time

import pytest
from knox.models import AuthToken

from aipal.api.throttling import configured_rate
from aipal.cache.client.throttle import Rate
from aipal.fastpath import FastPath
from aipal.settings.rates import parse_rate
from tests.conftest import CommittingAPIClient
from tests.factories import PASSWORD, UserFactory
from tests.wsgi_client import WSGIClient, answered_by_fast_path, fast_path_count

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/token/"


@pytest.fixture
def rates(settings):
    """Set the throttle rates of this test (the others: off)."""

    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "login": None, **rates},
        }

    return set_rates


def login(username: str, password: str, ip: str = "10.0.0.1", **extra: str):  # type: ignore[no-untyped-def]
    return CommittingAPIClient().post(
        LOGIN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def assert_throttled(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) >= 1
    assert response.json()["detail"].startswith("Request was throttled.")


# --- failed logins ------------------------------------------------------------------


def test_failed_logins_of_one_username_from_one_ip_are_throttled_then_even_the_right_password(rates, user):
    rates(login="3/min")
    for _ in range(3):
        assert login(user.username, "wrong").status_code == 400
    assert_throttled(login(user.username, "wrong"))
    assert_throttled(login(user.username, PASSWORD))
    assert not AuthToken.objects.filter(user=user).exists()


def test_the_login_throttle_counts_per_username_and_ip(rates, user, other_user):
    rates(login="2/min")
    for _ in range(2):
        login(user.username, "wrong", ip="10.0.0.1")
    assert_throttled(login(user.username, "wrong", ip="10.0.0.1"))
    assert_throttled(login(user.username.upper(), "wrong", ip="10.0.0.1"))  # one username, however cased
    assert login(other_user.username, PASSWORD, ip="10.0.0.1").status_code == 200  # another username
    assert login(user.username, PASSWORD, ip="10.0.0.2").status_code == 200  # another IP


def test_only_failed_logins_count(rates, user):
    rates(login="2/min")
    for _ in range(5):
        assert login(user.username, PASSWORD).status_code == 200
    assert login(user.username, "wrong").status_code == 400
    assert login(user.username, PASSWORD).status_code == 200


def test_x_forwarded_for_is_not_trusted_unless_proxies_are_declared(rates, settings, user):
    rates(login="2/min")
    for n in range(2):
        login(user.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_throttled(login(user.username, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.99"))

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert login(user.username, "wrong", HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.99").status_code == 400
    assert login(user.username, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 400
    assert_throttled(login(user.username, "wrong", HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_the_admin_login_is_throttled_per_username_and_ip(rates, client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    rates(login="2/min")
    form = {"username": staff.username, "password": "wrong", "next": "/admin/"}
    for _ in range(2):
        response = client.post("/admin/login/", form, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/admin/login/", {**form, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert_throttled(response)
    assert "_auth_user_id" not in client.session
    response = client.post("/admin/login/", {**form, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_admin_logins_that_succeed_do_not_count(rates, client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    rates(login="1/min")
    for _ in range(3):
        response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
        assert response.status_code == 302
        client.logout()
    assert client.get("/admin/login/").status_code == 200  # the form itself is never throttled


# --- requests per user and per anonymous IP -------------------------------------------


def test_requests_of_a_user_are_throttled_through_django(rates, api, user):
    rates(user="3/min")
    url = f"/api/users/{user.id}/goals"
    for n in range(3):
        assert api.post(url, {"description": f"goal {n}"}, format="json").status_code == 201
    response = api.get(url)
    assert_throttled(response)
    assert "X-Cache" not in response


def test_fast_path_hits_count_in_their_own_call_and_share_the_count_with_django(
    rates, user, redis_round_trips, django_assert_num_queries
):
    rates(user="5/min")
    wsgi = WSGIClient(token=AuthToken.objects.create(user=user)[1])
    url = f"/api/users/{user.id}/dashboard"
    assert wsgi.get(url).status == 200  # a miss: the token's record and the entry are filled
    for _ in range(2):
        redis_round_trips.clear()
        with django_assert_num_queries(0):
            answered_by_fast_path(wsgi, url)
        assert len(redis_round_trips) == 1  # the throttle is charged inside the fast path's call
    assert wsgi.request("POST", f"/api/users/{user.id}/goals", '{"description": "g"}').status == 201
    assert wsgi.get(url).status == 200  # the fifth request, a miss again after the write

    throttled_before = fast_path_count("throttled")
    with django_assert_num_queries(0):  # the fast path handed over who the token belongs to
        response = wsgi.get(url)
    assert response.status == 429, response.body
    assert int(response.header("Retry-After")) >= 1
    assert fast_path_count("throttled") == throttled_before + 1
    assert wsgi.request("POST", f"/api/users/{user.id}/goals", '{"description": "g"}').status == 429


def test_a_miss_passed_on_by_the_fast_path_is_counted_once(rates, user, monkeypatch):
    monkeypatch.setattr(FastPath, "_load", lambda *args: None)  # the view answers every miss
    rates(user="4/min")
    wsgi = WSGIClient(token=AuthToken.objects.create(user=user)[1])
    assert wsgi.get(f"/api/users/{user.id}").status == 200  # fills the token's record
    for path in ("goals", "tasks", "ari/history"):  # misses: charged by the fast path only
        response = wsgi.get(f"/api/users/{user.id}/{path}")
        assert response.status == 200, (path, response.body)
    assert wsgi.get(f"/api/users/{user.id}/dashboard").status == 429


def test_anonymous_requests_are_throttled_per_ip_but_not_the_system_endpoints(rates, user):
    rates(anon="2/min")
    for _ in range(2):
        assert login(user.username, "wrong").status_code == 400
    assert_throttled(login(user.username, PASSWORD))
    assert login(user.username, PASSWORD, ip="10.0.0.2").status_code == 200
    anon = CommittingAPIClient()
    for path in ("/api/health", "/api/system/cache-health", "/metrics", "/api/schema/", "/api/docs/"):
        for _ in range(3):
            assert anon.get(path, REMOTE_ADDR="10.0.0.1").status_code == 200, path


def test_a_throttle_set_to_off_never_refuses(rates, api, user):
    rates(user=None, login=None, anon=None)
    for _ in range(30):
        assert api.get(f"/api/users/{user.id}/goals").status_code == 200
        assert login(user.username, "wrong").status_code == 400


def test_the_rate_refills_at_its_pace(rates, user):
    rates(login="2/s")
    for _ in range(2):
        login(user.username, "wrong")
    assert_throttled(login(user.username, "wrong"))
    time.sleep(0.6)  # one request every 0.5 s
    assert login(user.username, "wrong").status_code == 400
    assert_throttled(login(user.username, "wrong"))


def test_throttles_fail_open_when_redis_is_down(rates, user, dead_redis):
    rates(login="1/min", anon="1/min", user="1/min")
    for _ in range(3):
        assert login(user.username, "wrong").status_code == 400
    api = CommittingAPIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    for _ in range(3):
        response = api.get(f"/api/users/{user.id}/goals")
        assert (response.status_code, response["X-Cache"]) == (200, "BYPASS")


# --- rates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000/min", (1000, 60)),
        ("100/minute", (100, 60)),
        ("10/m", (10, 60)),
        ("5/10s", (5, 10)),
        ("2/hour", (2, 3600)),
        ("7/day", (7, 86400)),
        (" 3 / sec ", (3, 1)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rates_are_read_as_written(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "10", "10/fortnight", "0/min", "-1/min", "10/0s", "1.5/min"])
def test_a_rate_that_cannot_be_read_is_refused(text):
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_a_rate_lets_its_limit_through_at_once_whatever_the_rounding():
    rate = Rate(7, 1)  # 142.86 ms apart, rounded up to 143
    assert rate.interval_ms == 143
    assert rate.period_ms // rate.interval_ms == 7


def test_the_configured_rates_are_the_settings(rates):
    rates(user="5/min")
    assert configured_rate("user") == Rate(5, 60)
    assert configured_rate("anon") is None


def test_requests_on_another_users_path_count_against_their_caller(rates, api, user, other_user):
    rates(user="3/min")
    for _ in range(3):
        assert api.get(f"/api/users/{other_user.id}/goals").status_code == 403
    assert_throttled(api.get(f"/api/users/{other_user.id}/goals"))
    assert_throttled(api.get(f"/api/users/{user.id}/goals"))


def test_a_request_is_charged_once(rates, api, user):
    rates(user="2/min")
    assert api.get(f"/api/users/{user.id}/goals").status_code == 200
    assert api.get(f"/api/users/{user.id}/goals").status_code == 200
    assert_throttled(api.get(f"/api/users/{user.id}/goals"))


@pytest.mark.parametrize(
    "spelling",
    [" {name}", "{name} ", "\u00a0{name}", "{upper}", "\uff41{rest}"],
    ids=["lead", "trail", "nbsp", "case", "nfkc"],
)
def test_spelling_a_username_another_way_buys_no_login_attempts(rates, spelling):
    user = UserFactory(username="alice")
    rates(login="2/min")
    for _ in range(2):
        assert login("alice", "wrong").status_code == 400
    variant = spelling.format(name="alice", upper="ALICE", rest="lice")
    assert_throttled(login(variant, PASSWORD))
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_username_sent_as_a_number_is_counted_and_never_a_500(rates):
    UserFactory(username="12345")
    rates(login="2/min")
    assert login(12345, PASSWORD).status_code == 200  # type: ignore[arg-type]
    for _ in range(2):
        assert login(12345, "wrong").status_code == 400  # type: ignore[arg-type]
    assert_throttled(login("12345", PASSWORD))


def test_the_admin_login_counts_every_spelling_of_a_username(rates, client):
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    rates(login="2/min")
    for spelling in ("admin ", "\uff41dmin"):
        assert client.post("/admin/login/", {"username": spelling, "password": "wrong"}).status_code == 200
    assert_throttled(client.post("/admin/login/", {"username": "ADMIN", "password": PASSWORD}))


def test_refused_tokens_count_against_their_ip(rates, user):
    rates(anon="2/min")
    bad = CommittingAPIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    for _ in range(2):
        assert bad.get(f"/api/users/{user.id}/goals", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert_throttled(bad.get(f"/api/users/{user.id}/goals", REMOTE_ADDR="10.0.0.1"))
    response = WSGIClient(token="0" * 64).get(f"/api/users/{user.id}/dashboard", REMOTE_ADDR="10.0.0.1")
    assert (response.status, int(response.header("Retry-After"))) == (429, 30)
    assert bad.get(f"/api/users/{user.id}/goals", REMOTE_ADDR="10.0.0.2").status_code == 401


def test_refused_requests_on_any_endpoint_count(rates, api):
    rates(anon="2/min", user="2/min")
    anonymous = CommittingAPIClient()
    for _ in range(2):
        assert anonymous.post("/api/users/", {}, format="json").status_code == 401
    assert_throttled(anonymous.post("/api/users/", {}, format="json"))
    for _ in range(2):
        assert api.post("/api/users/", {"username": "x", "password": "y"}, format="json").status_code == 403
    assert_throttled(api.post("/api/users/", {"username": "x", "password": "y"}, format="json"))


def test_an_ipv6_client_counts_by_its_64(rates, user):
    rates(login="2/min")
    for host in ("1", "2"):
        assert login(user.username, "wrong", ip=f"2001:db8:1:2::{host}").status_code == 400
    assert_throttled(login(user.username, "wrong", ip="2001:db8:1:2:ffff::3"))
    assert login(user.username, "wrong", ip="2001:db8:1:3::1").status_code == 400
    assert login(user.username, "wrong", ip="::ffff:10.0.0.9").status_code == 400  # IPv4, mapped
    assert login(user.username, "wrong", ip="10.0.0.9").status_code == 400
    assert_throttled(login(user.username, "wrong", ip="10.0.0.9"))
