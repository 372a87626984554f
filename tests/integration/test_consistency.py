"""No stale read through gunicorn with several workers, even across a Redis crash.

Runs the project's consistency checker (``python -m bench.consistency``) for a short
while: concurrent writers and readers on one goal, task list, ARI latest and dashboard,
with Redis killed and restarted from its own snapshot (old keys back) mid-run.
"""

from __future__ import annotations

import pytest

from tests.checker import run_checker

pytestmark = pytest.mark.integration


def test_no_stale_read_with_three_workers_and_a_redis_crash():
    figures, output, returncode = run_checker(
        "--seconds", "20", "--restarts", "1", "--outage-seconds", "2", timeout=120
    )

    assert figures["stale_reads"] == 0, output
    assert figures["errors"] == 0, output
    assert figures["reads"] > 100, output
    assert figures["writes"] > 30, output
    assert figures["restarts"] == 1, output
    assert all(figures["x_cache"][status] > 0 for status in ("HIT", "MISS", "BYPASS")), output
    assert returncode == 0, output
