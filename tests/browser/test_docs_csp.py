"""The docs pages send a Content-Security-Policy that lets the browser reach this origin
only (ReDoc's footer would otherwise load its logo from cdn.redoc.ly)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import references
from tests.wsgi_client import WSGIClient

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}
# Sources a directive may name without leaving the origin.
LOCAL_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
FETCH_DIRECTIVES = ("script-src", "style-src", "img-src", "font-src", "connect-src", "worker-src")


def policy(header: str | None) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    assert header, "no Content-Security-Policy"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/api/redoc"])
def test_the_docs_allow_no_outside_origin(served_static, url):
    response = WSGIClient().get(url, **HTML)
    assert response.status == 200
    csp = policy(response.header("Content-Security-Policy"))
    assert csp["default-src"] == ["'self'"]
    for directive in FETCH_DIRECTIVES:
        assert set(csp[directive]) <= LOCAL_SOURCES, (directive, csp[directive])
    assert csp["img-src"] == ["'self'", "data:"]  # the Redocly logo at cdn.redoc.ly is refused
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs_have_no_inline_script(served_static, url):
    html = WSGIClient().get(url, **HTML).body.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts
    assert all("src=" in attributes and not body.strip() for attributes, body in scripts), scripts


def test_swagger_uis_start_up_script_is_served_by_the_docs_view(served_static):
    html = WSGIClient().get("/api/docs/", **HTML).body.decode()
    [script] = [ref for ref in references(html) if ref.startswith("/api/docs/")]
    response = WSGIClient().get(script.replace("&amp;", "&"))
    assert response.status == 200
    assert response.header("Content-Type").startswith("application/javascript")
    body = response.body.decode()
    assert "SwaggerUIBundle(" in body and 'url: "/api/schema"' in body
