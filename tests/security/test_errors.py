"""Every error answers JSON, never HTML, and none logs a traceback: a bad ``Host``, a body
over the limit (413), a chunked body (411), a malformed request (400), through Django's
test client and through the deployed WSGI stack (the fast path in front of Django)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from aipal.accounts.models import Profile
from aipal.api.logfilters import ClientErrorWithoutTraceback
from goals.models import Goal
from tests.factories import PASSWORD
from tests.wsgi_client import HOST, WSGIClient, WSGIResponse, answered_by_fast_path, fast_path_count

pytestmark = pytest.mark.django_db

LIMIT = 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE
TOO_BIG = 2 * 1024 * 1024
BAD_HOST = {"HTTP_HOST": "evil.example"}


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the app's log handler (LOGGING's ``console``) writes during the test."""
    handler = next((h for h in logging.getLogger().handlers if h.get_name() == "console"), None)
    assert isinstance(handler, logging.StreamHandler), "LOGGING has no console handler on the root logger"
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.fixture
def logged(caplog, console):  # type: ignore[no-untyped-def]
    """Check that what was logged is one line per record, none with a traceback."""

    def check(logger: str) -> None:
        assert any(r.name == logger for r in caplog.records), [r.name for r in caplog.records]
        assert [r for r in caplog.records if r.exc_info] == []
        output = console.getvalue()
        assert "Traceback" not in output
        assert len(output.splitlines()) == len(caplog.records), output

    return check


def detail(response: Any, status: int) -> str:
    """The ``detail`` of a JSON error answer with ``status``, from either client."""
    code = getattr(response, "status_code", None) or response.status
    content_type = response.header("Content-Type") if isinstance(response, WSGIResponse) else response["Content-Type"]
    body = response.body if isinstance(response, WSGIResponse) else response.content
    assert (code, content_type) == (status, "application/json"), body[:200]
    return json.loads(body)["detail"]


def profile_url(user) -> str:  # type: ignore[no-untyped-def]
    return f"/api/users/{user.id}"


def display_name(user) -> str:  # type: ignore[no-untyped-def]
    return Profile.objects.get(user=user).display_name


# --- a bad Host -------------------------------------------------------------------------


def test_a_bad_host_is_a_json_400_logged_in_one_line(api, anon_api, user, logged):
    assert detail(api.get(profile_url(user), **BAD_HOST), 400) == "Invalid Host header."
    login = anon_api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, **BAD_HOST)
    assert detail(login, 400) == "Invalid Host header."
    logged("django.security.DisallowedHost")


def test_a_bad_host_on_a_cached_read_is_the_stacks_json_400(wsgi, user, logged):
    url = f"{profile_url(user)}/goals"
    wsgi.get(url)
    answered_by_fast_path(wsgi, url)  # a hit, with the right Host
    hits = fast_path_count("hit")
    assert detail(wsgi.get(url, **BAD_HOST), 400) == "Invalid Host header."
    assert fast_path_count("hit") == hits
    logged("django.security.DisallowedHost")


# --- a body over the limit ---------------------------------------------------------------


def test_a_body_over_the_limit_is_a_json_413_and_changes_nothing(api, user, logged):
    name = display_name(user)
    patch = api.patch(profile_url(user), {"display_name": "x" * TOO_BIG}, format="json")
    assert detail(patch, 413) == f"The request body is too large: at most {LIMIT} bytes."
    post = api.post(f"{profile_url(user)}/goals", {"description": "x" * TOO_BIG}, format="json")
    assert detail(post, 413).startswith("The request body is too large")
    assert display_name(user) == name and not Goal.objects.exists()
    logged("django.request")


def test_a_body_over_the_limit_through_the_wsgi_stack(wsgi, user, logged):
    name = display_name(user)
    body = json.dumps({"display_name": "x" * TOO_BIG})
    assert detail(wsgi.request("PATCH", profile_url(user), body), 413).startswith("The request body is too large")
    assert display_name(user) == name
    logged("django.request")


def test_a_multipart_body_over_the_limit_is_refused_too(user, logged):
    """Django leaves multipart file parts out of its own limit (it spools them to disk)."""
    upload = SimpleUploadedFile("big.bin", b"x" * TOO_BIG)
    for url in ("/api/auth/token/", "/admin/login/"):
        response = Client().post(url, {"username": user.username, "password": PASSWORD, "file": upload})
        assert detail(response, 413).startswith("The request body is too large"), url
        upload.seek(0)
    logged("django.request")


def test_a_body_at_the_limit_is_read(api, user):
    body = json.dumps({"display_name": "x"})
    padded = body[:-1] + " " * (LIMIT - len(body)) + "}"
    assert len(padded) == LIMIT
    response = api.generic("PATCH", profile_url(user), padded, content_type="application/json")
    assert response.status_code == 200 and display_name(user) == "x"


# --- a chunked body -----------------------------------------------------------------------


def as_gunicorn_sends_chunked(wsgi: WSGIClient, method: str, path: str, body: bytes, **headers: str) -> WSGIResponse:
    """A chunked request as gunicorn hands it over: the body decoded, no ``CONTENT_LENGTH``."""
    environ = (
        RequestFactory()
        .generic(method, path, body, content_type="application/json", SERVER_NAME=HOST, **headers)
        .environ
    )
    del environ["CONTENT_LENGTH"]
    environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True})
    return wsgi.call(environ)


def test_a_chunked_body_is_a_json_411_and_changes_nothing(wsgi, token, user, logged):
    name = display_name(user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    patch = as_gunicorn_sends_chunked(wsgi, "PATCH", profile_url(user), b'{"display_name": "changed"}', **auth)
    assert "Content-Length" in detail(patch, 411)
    post = as_gunicorn_sends_chunked(wsgi, "POST", f"{profile_url(user)}/goals", b'{"description": "new"}', **auth)
    detail(post, 411)
    assert display_name(user) == name and not Goal.objects.exists()
    logged("django.request")


def test_a_chunked_body_through_the_test_client(api, user, logged):
    name = display_name(user)
    response = api.generic(
        "PATCH",
        profile_url(user),
        json.dumps({"display_name": "changed"}),
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
    )
    detail(response, 411)
    assert display_name(user) == name
    logged("django.request")


# --- malformed requests -------------------------------------------------------------------


def test_an_invalid_content_length_is_a_json_400(api, user, logged):
    name = display_name(user)
    response = api.generic(
        "PATCH", profile_url(user), b'{"display_name": "changed"}', content_type="application/json", CONTENT_LENGTH="2x"
    )
    assert detail(response, 400) == "Invalid Content-Length header."
    assert display_name(user) == name
    logged("django.request")


def many_fields(count: int) -> str:
    return "&".join(f"f{i}=1" for i in range(count))


def test_too_many_query_fields_are_a_json_400(api, user, logged):
    response = api.get(f"{profile_url(user)}/goals?{many_fields(1001)}")
    assert detail(response, 400) == "Too many query string parameters: at most 1000."
    assert api.get(f"{profile_url(user)}/goals?{many_fields(1000)}").status_code == 200
    logged("django.request")


# The fast path would answer a hit, or fail parsing the query string, where the stack refuses.
FAST_PATH_REFUSALS = [
    pytest.param({"CONTENT_LENGTH": str(TOO_BIG)}, "", 413, id="body-too-big"),
    pytest.param({"HTTP_TRANSFER_ENCODING": "chunked"}, "", 411, id="chunked"),
    pytest.param({"CONTENT_LENGTH": "-1"}, "", 400, id="bad-length"),
    pytest.param({}, many_fields(1001), 400, id="too-many-fields"),
]


@pytest.mark.parametrize("route", ["", "/goals"])
@pytest.mark.parametrize(("headers", "query", "status"), FAST_PATH_REFUSALS)
def test_a_cached_read_the_stack_refuses_is_refused_on_the_fast_path_too(
    wsgi, user, route, headers, query, status, logged
):
    url = f"{profile_url(user)}{route}"
    wsgi.get(url)
    answered_by_fast_path(wsgi, url)
    hits = fast_path_count("hit")
    detail(wsgi.get(f"{url}?{query}" if query else url, **headers), status)
    assert fast_path_count("hit") == hits
    logged("django.request")


def test_a_query_at_the_field_limit_is_still_a_fast_path_hit(wsgi, user):
    url = f"{profile_url(user)}?{many_fields(1000)}"
    wsgi.get(url)
    assert answered_by_fast_path(wsgi, url).status == 200


# --- errors Django raises itself (handler400, handler403, CSRF) ---------------------------


def test_too_many_form_fields_are_djangos_400_as_json_without_traceback(user, logged):
    response = Client().post("/admin/login/", many_fields(1001), content_type="application/x-www-form-urlencoded")
    assert detail(response, 400) == "Too many fields in the request."
    logged("django.security.TooManyFieldsSent")


def test_an_unparsable_multipart_body_is_a_json_400_without_traceback(logged):
    response = Client().post("/admin/login/", b"--x\r\n", content_type="multipart/form-data")
    assert detail(response, 400) == "The request body could not be parsed."
    logged("django.request")


def test_a_csrf_failure_is_a_json_403(user, logged):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": user.username})
    assert detail(response, 403) == "CSRF Failed: CSRF cookie not set."
    logged("django.security.csrf")


def test_permission_denied_outside_drf_is_a_json_403_without_traceback(staff_user, logged):
    client = Client()
    client.force_login(staff_user)  # staff, without any model permission
    response = client.get("/admin/goals/goal/")
    assert detail(response, 403) == "You do not have permission to perform this action."
    logged("django.request")


# --- the log filter --------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "kept"), [(400, False), (413, False), (499, False), (500, True), (None, True)])
def test_only_client_errors_lose_their_traceback(status, kept):
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "msg", (), sys.exc_info())
    if status is not None:
        record.status_code = status
    assert ClientErrorWithoutTraceback().filter(record) is True
    assert (record.exc_info is not None) is kept
