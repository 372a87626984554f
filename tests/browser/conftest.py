"""Fixtures of the browser tests: static files collected once per session with the
production storage (hashed names, gzip copies), served by WhiteNoise through the WSGI app.

Unit settings collect nothing and serve no static files (``aipal.settings.test``); these
tests point ``STATIC_ROOT`` and ``STORAGES`` at the collected copy, as a deployment that
ran ``collectstatic`` would be. Collecting admin, DRF and the docs' bundles with
compression takes a few seconds: it runs once per test process, into a temporary directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from aipal.settings import base
from tests.wsgi_client import WSGIClient, WSGIResponse

# src= and href= attributes of a page.
_REFERENCES = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A STATIC_ROOT filled by ``collectstatic`` with the production storage."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=base.STORAGES):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture
def served_static(settings, collected_static: Path) -> Path:  # type: ignore[no-untyped-def]
    """The settings of a deployment after ``collectstatic`` (DEBUG off, as in the tests)."""
    assert settings.DEBUG is False
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = base.STORAGES
    return collected_static


def references(html: str) -> list[str]:
    """Every URL a page's ``src`` and ``href`` attributes name."""
    return _REFERENCES.findall(html)


def assert_static_urls_answer(urls: list[str]) -> None:
    """Each URL is a local /static/ URL that the WSGI app (WhiteNoise) answers 200, non-empty."""
    browser = WSGIClient()
    for url in urls:
        assert url.startswith("/static/"), url
        response: WSGIResponse = browser.get(url)
        assert response.status == 200, (url, response.status)
        assert response.body, url
