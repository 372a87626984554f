"""The fast path on the real Redis: its own socket, a script Redis forgot, a connection
Redis dropped, a frozen Redis. A hit never fails because of them: the view answers."""

from __future__ import annotations

import os
import signal
import time

import pytest

from aipal.accounts.tokens import issue
from aipal.cache import client
from tests.api.factories import GoalFactory
from tests.factories import UserFactory
from tests.wsgi_client import WSGIClient, answered_by_fast_path

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader(app_on, redis_server):  # type: ignore[no-untyped-def]
    """A user's cached goal list, on a Redis of the test's own (the tests break it)."""
    app_on(redis_server.url)
    user = UserFactory()
    GoalFactory(user=user)
    wsgi = WSGIClient(token=issue(user)[0], commit=False)
    url = f"/api/users/{user.id}/goals"
    assert wsgi.get(url).status == 200  # fills the entry and the token's record
    return wsgi, url


def served_fast(wsgi: WSGIClient, url: str) -> None:
    response = answered_by_fast_path(wsgi, url)
    assert (response.status, response.header("X-Cache")) == (200, "HIT")


def test_a_hit_is_served_on_the_real_socket(reader):
    served_fast(*reader)


def test_a_script_redis_forgot_is_loaded_again(reader):
    client.redis_client().script_flush()
    served_fast(*reader)
    served_fast(*reader)


def test_a_connection_redis_closed_is_replaced_at_once(reader):
    r = client.redis_client()
    served_fast(*reader)
    r.client_kill_filter(_type="normal", skipme=True)
    failures = client.failure_count()
    served_fast(*reader)  # a new socket, the call sent again: no failure, no view
    assert client.failure_count() == failures


def test_a_frozen_redis_costs_a_request_the_socket_timeout_at_most(reader, redis_server):
    wsgi, url = reader
    served_fast(wsgi, url)
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = wsgi.get(url)
        elapsed = time.monotonic() - started
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    assert (response.status, response.header("X-Cache")) == (200, "BYPASS")
    assert elapsed < 5  # REDIS_SOCKET_TIMEOUT is 1 s in tests: the fast path's call, then the view's
