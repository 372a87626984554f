"""Docs, admin and browsable API pages load every script and stylesheet from /static/,
served by the app itself (WhiteNoise) with DEBUG off and no internet."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_static_urls_answer, references
from tests.wsgi_client import WSGIClient

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}
# A name ManifestStaticFilesStorage gave: the content's hash before the extension.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs", "/api/redoc/", "/api/redoc"])
def test_the_docs_load_only_local_scripts_and_styles(served_static, url):
    response = WSGIClient().get(url, **HTML)
    assert response.status == 200
    assert response.header("Content-Type").startswith("text/html")
    html = response.body.decode()
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts, no validator
    assets = [ref for ref in references(html) if ref.startswith("/static/")]
    assert assets, html
    assert all(HASHED.search(asset) for asset in assets), assets  # the manifest's names
    assert_static_urls_answer(assets)


def test_swagger_ui_and_redoc_bundles_come_from_the_sidecar(served_static):
    swagger = WSGIClient().get("/api/docs/", **HTML).body.decode()
    redoc = WSGIClient().get("/api/redoc/", **HTML).body.decode()
    assert re.search(r'<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.', swagger)
    assert re.search(
        r'<link rel="stylesheet" href="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui\.', swagger
    )
    assert re.search(r'<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc\.standalone\.', redoc)


def test_the_docs_need_no_credentials_and_are_not_throttled(served_static, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": None, "login": None},
    }
    browser = WSGIClient()
    for _ in range(3):
        assert browser.get("/api/docs/", **HTML).status == 200
        assert browser.get("/api/redoc/", **HTML).status == 200


def test_the_admin_login_page_is_styled(served_static):
    response = WSGIClient().get("/admin/login/", **HTML)
    assert response.status == 200
    sheets = [ref for ref in references(response.body.decode()) if ref.endswith(".css")]
    assert any("/static/admin/css/base." in sheet for sheet in sheets), sheets
    assert_static_urls_answer(sheets)


def test_static_files_are_cached_for_long_and_served_compressed(served_static):
    html = WSGIClient().get("/admin/login/", **HTML).body.decode()
    sheet = next(ref for ref in references(html) if "/admin/css/base." in ref)
    response = WSGIClient().get(sheet, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status == 200
    assert response.header("Content-Encoding") == "gzip"
    assert "immutable" in response.header("Cache-Control")


def test_an_unknown_static_file_is_a_404(served_static):
    assert WSGIClient().get("/static/admin/css/none.css").status == 404
