"""The browsable API for any user: session login at /api-auth/login/ (throttled like the
admin's), indented JSON on its pages, and plain JSON responses as compact as ever."""

from __future__ import annotations

import html
import json

import orjson
import pytest

from aipal.api.renderers import ORJSONRenderer
from aipal.cache.encoding import json_bytes
from tests.api.factories import GoalFactory
from tests.browser.conftest import assert_static_urls_answer, references
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api-auth/login/"
HTML = {"HTTP_ACCEPT": "text/html"}


def throttle_rates(settings, **rates: str) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "login": None, **rates},
    }


def test_a_user_logs_in_with_a_session_and_browses_indented_json(client, user, api, served_static):
    GoalFactory(user=user, description="Read one paper a week")
    url = f"/api/users/{user.id}/goals"
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": url})
    assert (response.status_code, response["Location"]) == (302, url)

    page = client.get(url, **HTML)
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = html.unescape(page.content.decode())
    data = json.loads(api.get(url).content)
    assert orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() in text
    assert "X-Cache" not in page  # the browsable API is never served from the cache
    assert_static_urls_answer([ref for ref in references(page.content.decode()) if ref.endswith(".css")])


def test_the_session_login_page_is_styled_and_lands_on_the_api_root(client, user, served_static):
    form = client.get(LOGIN)
    assert form.status_code == 200
    assert client.get("/api-auth/login").status_code == 200
    assert_static_urls_answer([ref for ref in references(form.content.decode()) if ref.endswith(".css")])
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/api/")
    assert client.get("/api/users/me", **HTML).status_code == 200


def test_the_session_login_is_throttled_per_username_and_ip(client, user, settings):
    throttle_rates(settings, login="2/min")
    form = {"username": user.username, "password": "wrong"}
    for _ in range(2):
        assert client.post(LOGIN, form, REMOTE_ADDR="10.0.0.1").status_code == 200  # the form, with its error
    response = client.post(LOGIN, {**form, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["detail"].startswith("Request was throttled.")
    assert "_auth_user_id" not in client.session
    assert client.post(LOGIN, {**form, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_session_logins_that_succeed_do_not_count(client, user, settings):
    throttle_rates(settings, login="1/min")
    for _ in range(3):
        assert client.post(LOGIN, {"username": user.username, "password": PASSWORD}).status_code == 302
        client.logout()


def test_plain_json_stays_compact(api, user):
    url = f"/api/users/{user.id}/goals"
    created = api.post(url, {"description": "Compact"}, format="json")
    assert created.status_code == 201
    assert created.content == json_bytes(json.loads(created.content)) == orjson.dumps(json.loads(created.content))
    for accept in ("application/json", "application/json; indent=0", "*/*"):
        body = api.get(url, HTTP_ACCEPT=accept).content
        assert body == orjson.dumps(json.loads(body)) and b"\n" not in body, accept


def test_a_cached_get_answers_its_stored_bytes_whatever_indent_is_asked(api, user):
    url = f"/api/users/{user.id}/goals"
    GoalFactory(user=user)
    compact = api.get(url).content
    assert api.get(url, HTTP_ACCEPT="application/json; indent=4").content == compact


def test_a_client_asking_for_an_indent_gets_it_where_nothing_is_cached(api, user):
    response = api.post(
        f"/api/users/{user.id}/goals",
        {"description": "Indented"},
        format="json",
        HTTP_ACCEPT="application/json; indent=2",
    )
    assert response.status_code == 201
    assert response.content == orjson.dumps(json.loads(response.content), option=orjson.OPT_INDENT_2)


@pytest.mark.parametrize(
    ("accepted", "context", "indented"),
    [
        (None, None, False),
        ("application/json", {}, False),
        ("application/json", {"indent": None}, False),
        ("application/json; indent=0", {"indent": 4}, False),
        ("application/json; indent=x", {}, False),
        ("application/json; indent=4", {}, True),
        ("text/html", {"indent": 4}, True),  # the browsable API's call
    ],
)
def test_the_renderer_indents_only_when_asked(accepted, context, indented):
    data = {"id": 1, "items": [1, 2], "name": "é"}
    rendered = ORJSONRenderer().render(data, accepted, context)
    expected = orjson.dumps(data, option=orjson.OPT_INDENT_2) if indented else orjson.dumps(data)
    assert rendered == expected
