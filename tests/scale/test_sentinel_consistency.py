"""No stale read through gunicorn on a Sentinel-watched Redis whose master is killed
mid-run (the consistency checker with ``--redis sentinel --failovers 1``)."""

from __future__ import annotations

import pytest

from tests.checker import assert_consistent_through_one_failover, run_checker

pytestmark = [pytest.mark.integration, pytest.mark.scale]


def test_no_stale_read_behind_sentinel_through_a_master_failover():
    figures, output, returncode = run_checker("--redis", "sentinel", "--failovers", "1", "--seconds", "20")

    assert_consistent_through_one_failover(figures, output, returncode)
