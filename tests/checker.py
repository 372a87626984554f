"""Run the consistency checker (``python -m bench.consistency``) as the integration and
scale tests do: on the PostgreSQL server of ``DATABASE_URL``, ending with its JSON figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
TIMEOUT = 150


def server_url() -> str:
    """The PostgreSQL server of DATABASE_URL, by its maintenance database (the named one may not exist)."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        return DEFAULT_SERVER
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def run_checker(*options: str, timeout: float = TIMEOUT) -> tuple[dict[str, Any], str, int]:
    """Run the checker with ``options``; return its JSON figures, its whole output and its exit status."""
    args = [sys.executable, "-m", "bench.consistency", *options, "--database-url", server_url(), "--json"]
    checker = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        stdout, stderr = checker.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        checker.terminate()  # the checker stops its gunicorn and Redis and drops its database
        stdout, stderr = checker.communicate(timeout=60)
        pytest.fail(f"the consistency check did not finish within {timeout} s:\n{stdout}\n{stderr}")
    output = f"stdout:\n{stdout}\nstderr:\n{stderr}"
    lines = stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), output
    return json.loads(lines[-1]), output, checker.returncode


def assert_consistent_through_one_failover(figures: dict[str, Any], output: str, returncode: int) -> None:
    """No stale read and no error through a failover, with enough traffic to mean it."""
    assert figures["stale_reads"] == 0, output
    assert figures["errors"] == 0, output
    assert figures["reads"] > 100, output
    assert figures["writes"] > 30, output
    assert figures["failovers"] == 1, output
    assert [episode["kind"] for episode in figures["episodes"]] == ["failover"], output
    assert figures["x_cache"]["HIT"] > 0, output
    assert figures["x_cache"]["MISS"] > 0, output
    assert returncode == 0, output
