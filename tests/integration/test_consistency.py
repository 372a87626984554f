"""No stale read through gunicorn with several workers, even across a Redis crash.

Runs the project's consistency checker (``python -m bench.consistency``) for a short
while: concurrent writers and readers on one goal, task list, ARI latest and dashboard,
with Redis killed and restarted from its own snapshot (old keys back) mid-run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def _server_url() -> str:
    """The PostgreSQL server of DATABASE_URL, by its maintenance database (the named one may not exist)."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        return DEFAULT_SERVER
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def test_no_stale_read_with_three_workers_and_a_redis_crash():
    args = [sys.executable, "-m", "bench.consistency", "--seconds", "20", "--restarts", "1"]
    args += ["--outage-seconds", "2", "--database-url", _server_url(), "--json"]
    checker = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        stdout, stderr = checker.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        checker.terminate()  # the checker stops its gunicorn and Redis and drops its database
        stdout, stderr = checker.communicate(timeout=60)
        pytest.fail(f"the consistency check did not finish within 120 s:\n{stdout}\n{stderr}")
    output = f"stdout:\n{stdout}\nstderr:\n{stderr}"
    lines = stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), output
    figures = json.loads(lines[-1])

    assert figures["stale_reads"] == 0, output
    assert figures["errors"] == 0, output
    assert figures["reads"] > 100, output
    assert figures["writes"] > 30, output
    assert figures["restarts"] == 1, output
    assert all(figures["x_cache"][status] > 0 for status in ("HIT", "MISS", "BYPASS")), output
    assert checker.returncode == 0, output
