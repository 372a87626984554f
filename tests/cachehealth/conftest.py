"""Fixtures of the cache-health tests: fresh shared totals."""

from __future__ import annotations

import pytest

from aipal.cache import client, stats


@pytest.fixture
def fresh_totals():
    """Start the shared hit/miss totals at zero (earlier tests may have left counts unflushed)."""
    stats.flush()
    client.guarded(lambda r: r.delete(stats.shared_totals_key()))
