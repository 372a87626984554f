"""Shared fixtures: users, token-authenticated API clients, and a clean cache per test.

Unit runs use SQLite and fakeredis. ``pytest-django``'s ``db`` fixture wraps each test
in a transaction that never commits, so ``api`` clients run each request's
``on_commit`` callbacks as a commit would (``captureOnCommitCallbacks``). Integration
tests (marker ``integration``) use real commits through ``transactional_db``.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import TestCase
from knox.models import AuthToken
from redis.connection import AbstractConnection
from rest_framework.test import APIClient

from aipal.accounts.tokens import issue
from aipal.cache import client as cache_client
from aipal.cache import epoch, recovery
from aipal.cache.client import direct
from aipal.cache.keys import app_key_pattern
from aipal.settings.redis_target import RedisTarget, cache_backend, topology_nodes, usable_redis_url
from cachehealth import keycount
from tests.factories import UserFactory
from tests.wsgi_client import WSGIClient

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _answers(url: str, default_port: int) -> bool:
    """Whether the server of ``url`` (the first node of a cluster's or Sentinel's) takes a connection."""
    parsed = urlparse(url)
    if parsed.scheme in {"redis+cluster", "redis+sentinel"}:
        address = topology_nodes(url).addresses[0]
    else:
        address = (parsed.hostname or "127.0.0.1", parsed.port or default_port)
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip integration tests without real backends; on CI a missing backend fails instead."""
    if not any(item.get_closest_marker("integration") for item in items):
        return
    real = os.environ.get("AIPAL_TEST_BACKENDS") == "real"
    reason = None
    if not real:
        reason = "integration tests need AIPAL_TEST_BACKENDS=real (make test sets it)"
    else:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            reason = "integration tests need DATABASE_URL to point at PostgreSQL"
        elif not _answers(f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}", 5432):
            reason = "PostgreSQL does not answer"
        elif not _answers(settings.REDIS_URL, 6379):
            reason = "Redis does not answer"
    if reason is None:
        return
    if IN_CI and real:
        raise pytest.UsageError(f"CI=true and {reason}: integration tests must run on CI")
    for item in items:
        if item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    """Return a TCP port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def point_cache_at(settings, url: str) -> None:  # type: ignore[no-untyped-def]
    """Point the app's cache at another Redis, through the settings as a deployment would."""
    cache = settings.CACHES["default"]
    pool = {k: v for k, v in cache["OPTIONS"]["CONNECTION_POOL_KWARGS"].items() if k != "connection_class"}
    # Set by cache_backend, or by django-redis' Sentinel factory on the options it was given.
    topology = ("CONNECTION_FACTORY", "SENTINELS", "SENTINEL_KWARGS", "CONNECTION_POOL_CLASS")
    options = {k: v for k, v in cache["OPTIONS"].items() if k not in topology} | {"CONNECTION_POOL_KWARGS": pool}
    target = RedisTarget(url=usable_redis_url(url), label="redis")
    settings.CACHES = {"default": {**cache, **cache_backend(target, options)}}
    cache_client.reset_breaker()
    epoch.forget()  # another server, not a restart of the previous one


def clear_app_keys() -> None:
    """Delete this test run's keys only (its own prefix), never FLUSHDB; forget failures."""
    cache_client.reset_breaker()
    try:
        cache_client.scan_delete(app_key_pattern())
    except cache_client.CacheUnavailable:
        pass
    cache_client.reset_breaker()
    recovery.forget_failures()
    keycount.forget()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave nothing of this run on a shared Redis (the hit/miss tally included)."""
    from aipal.cache import stats

    try:
        stats.flush()
    except cache_client.CacheUnavailable:
        pass
    clear_app_keys()


@pytest.fixture(autouse=True)
def _clean_cache():
    clear_app_keys()
    yield
    clear_app_keys()


class CommittingAPIClient(APIClient):
    """An APIClient whose requests run their on_commit callbacks, as a real commit would."""

    def request(self, **kwargs):  # type: ignore[no-untyped-def]
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**kwargs)


def token_client(token: str, client_class: type[APIClient] = CommittingAPIClient) -> APIClient:
    """A client sending ``token`` (committing by default; a plain ``APIClient`` where the
    test's own transaction decides)."""
    api = client_class()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def client_for(user, client_class: type[APIClient] = CommittingAPIClient) -> APIClient:  # type: ignore[no-untyped-def]
    """A client with a new token of ``user``."""
    return token_client(AuthToken.objects.create(user=user)[1], client_class)


@pytest.fixture
def dead_redis(settings):
    """The app's cache pointed at a port where nothing listens (connection refused at once)."""
    point_cache_at(settings, f"redis://127.0.0.1:{free_port()}/0")
    yield
    cache_client.reset_breaker()
    epoch.forget()


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Record every round trip to Redis: each command, script or pipeline is one packed send.

    NOTE: the fast path writes its call on a real server's socket itself (``client.direct``),
    not through the connection: those sends are recorded where they are written.
    """
    sent: list[object] = []
    original = AbstractConnection.send_packed_command
    original_direct = direct._Channel.call

    def counting(self, command, check_health=True):  # type: ignore[no-untyped-def]
        sent.append(command)
        return original(self, command, check_health)

    def counting_direct(self, packed):  # type: ignore[no-untyped-def]
        if self.sock is not None:  # otherwise it goes through send_packed_command
            sent.append(packed)
        return original_direct(self, packed)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    monkeypatch.setattr(direct._Channel, "call", counting_direct)
    return sent


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def api(user) -> CommittingAPIClient:
    """A client authenticated as ``user``."""
    return client_for(user)


@pytest.fixture
def other_api(other_user) -> CommittingAPIClient:
    return client_for(other_user)


@pytest.fixture
def staff_api(staff_user) -> CommittingAPIClient:
    return client_for(staff_user)


@pytest.fixture
def anon_api() -> CommittingAPIClient:
    return CommittingAPIClient()


@pytest.fixture
def token(user) -> str:  # type: ignore[no-untyped-def]
    """A new token of ``user``."""
    return issue(user)[0]


@pytest.fixture
def wsgi(token) -> WSGIClient:
    """Requests as ``user`` through the deployed WSGI stack (the fast path in front)."""
    return WSGIClient(token=token)
