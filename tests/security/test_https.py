"""``DJANGO_HTTPS=true``: the settings base.py derives (read in a process of its own, as
settings are read once per process), then how the app behaves under exactly those."""

from __future__ import annotations

import json

import pytest

from aipal.accounts.tokens import issue
from aipal.settings.https import HSTS_SECONDS, trusted_origins
from tests.security.processes import run_python
from tests.wsgi_client import WSGIClient, answered_by_fast_path

pytestmark = pytest.mark.django_db

HTTPS_SETTINGS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "CSRF_TRUSTED_ORIGINS",
)
_PRINT = (
    "import json; from aipal.settings import base; "
    f"print(json.dumps({{name: getattr(base, name, None) for name in {HTTPS_SETTINGS!r}}}))"
)
HOSTS = "api.example.com,.example.org,*,localhost"


def base_settings(**env: str) -> dict[str, object]:
    """The HTTPS settings of ``aipal.settings.base`` under ``env``."""
    done = run_python(["-c", _PRINT], **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def https_settings() -> dict[str, object]:
    return base_settings(DJANGO_HTTPS="true", DJANGO_ALLOWED_HOSTS=HOSTS)


def test_https_turns_on_redirect_secure_cookies_hsts_and_trusted_origins(https_settings):
    assert https_settings == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": [r"^api/health/?$", r"^api/system/cache-health/?$", r"^metrics/?$"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "CSRF_TRUSTED_ORIGINS": [
            "https://api.example.com",
            "https://example.org",
            "https://*.example.org",
            "https://localhost",
        ],
    }


def test_without_https_none_of_it_and_no_trusted_origins():
    found = base_settings(DJANGO_ALLOWED_HOSTS=HOSTS)
    assert found == {name: None for name in HTTPS_SETTINGS} | {"CSRF_TRUSTED_ORIGINS": []}


def test_trusted_origins_can_be_given_instead():
    found = base_settings(
        DJANGO_HTTPS="true", DJANGO_ALLOWED_HOSTS=HOSTS, DJANGO_CSRF_TRUSTED_ORIGINS="https://admin.example.net"
    )
    assert found["CSRF_TRUSTED_ORIGINS"] == ["https://admin.example.net"]
    empty = base_settings(DJANGO_HTTPS="true", DJANGO_ALLOWED_HOSTS="api.example.com", DJANGO_CSRF_TRUSTED_ORIGINS="")
    assert empty["CSRF_TRUSTED_ORIGINS"] == ["https://api.example.com"]  # empty counts as unset


@pytest.mark.parametrize(
    ("hosts", "origins"),
    [
        (["api.example.com"], ["https://api.example.com"]),
        ([".Example.org"], ["https://example.org", "https://*.example.org"]),
        (["*", "*.example.com", "", "."], []),
        (["[::1]", "a.example", "a.example"], ["https://[::1]", "https://a.example"]),
    ],
    ids=["host", "domain-and-subdomains", "wildcards-and-blanks", "ipv6-and-duplicates"],
)
def test_trusted_origins_of_allowed_hosts(hosts, origins):
    assert trusted_origins(hosts) == origins


def test_hsts_lasts_a_year():
    assert HSTS_SECONDS == 365 * 24 * 3600


# --- behaviour under those settings --------------------------------------------------


@pytest.fixture
def https_on(settings, https_settings):
    """The settings DJANGO_HTTPS=true gives, applied to this test."""
    for name, value in https_settings.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)


FORWARDED_HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
HSTS = "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_except_the_probes(https_on, user):
    wsgi = WSGIClient(token=issue(user)[0])
    redirected = wsgi.get(f"/api/users/{user.id}")
    assert redirected.status == 301
    assert redirected.header("Location") == f"https://localhost/api/users/{user.id}"
    for probe in ("/api/health", "/metrics"):
        assert wsgi.get(probe).status == 200, probe


def test_behind_the_proxy_answers_with_hsts_on_both_paths(https_on, user):
    wsgi = WSGIClient(token=issue(user)[0])
    url = f"/api/users/{user.id}/goals"
    by_view = wsgi.get(url, **FORWARDED_HTTPS)
    assert by_view.status == 200 and by_view.header("Strict-Transport-Security") == HSTS
    by_fast_path = answered_by_fast_path(wsgi, url, **FORWARDED_HTTPS)
    assert by_fast_path.header("Strict-Transport-Security") == HSTS
    assert wsgi.get(url).status == 301  # the same entry, over plain HTTP: the stack's redirect


def test_cookies_are_secure(https_on, client):
    response = client.get("/admin/login/", **FORWARDED_HTTPS)
    assert response.status_code == 200
    assert response.cookies["csrftoken"]["secure"] is True
