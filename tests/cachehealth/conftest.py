"""Fixtures of the cache-health tests: a reachable backend label, fresh shared totals, a dead Redis."""

from __future__ import annotations

import pytest

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
