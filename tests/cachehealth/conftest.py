"""Fixtures of the cache-health tests: a reachable backend label, fresh shared totals, a dead Redis."""

from __future__ import annotations

import socket

import pytest
import redis

from aipal.cache import client, stats


@pytest.fixture
def shared_backend(settings):
    """Label the test Redis as shared, so the cache_* commands agree to run against it.

    Unit runs use an in-process fakeredis labelled "embedded", which the commands refuse;
    here the command runs in the test's own process, so it does reach that Redis.
    """
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "BACKEND_LABEL": "redis (test)"}


@pytest.fixture
def fresh_totals():
    """Start the shared hit/miss totals at zero (earlier tests may have left counts unflushed)."""
    stats.flush_if_due(force=True)
    client.guarded(lambda r: r.delete(stats.shared_totals_key()))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dead_redis(monkeypatch):
    """Point the cache client at a port nobody listens on (connection refused at once)."""
    port = _closed_port()

    def refused() -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2, socket_timeout=0.2, retry=None)

    monkeypatch.setattr(client, "redis_client", refused)
    client.reset_breaker()
    yield port
    client.reset_breaker()
