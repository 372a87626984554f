"""The cache and invalidation tests, run again with ``REDIS_URL`` naming a Redis Cluster and
a Sentinel group started here: the same assertions hold on every topology (the tests that
differ by design, such as one pipeline per master, say so themselves; see ``tests.topology``).

Each suite runs in a pytest of its own: the settings read ``REDIS_URL`` once, at start.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.checker import REPO

pytestmark = [pytest.mark.integration, pytest.mark.scale]

# The cache layer, the fast path, health and commands, the events of every write, and the
# concurrency of fills and writes on real PostgreSQL.
CACHE_SUITE = (
    "tests/cache",
    "tests/fastpath",
    "tests/cachehealth",
    "tests/api/test_cache_events.py",
    "tests/api/test_conditional.py",
    "tests/goals/test_goal_cache.py",
    "tests/ari/test_ari_cache.py",
    "tests/integration/test_concurrent_writes.py",
    "tests/integration/test_transactions.py",
    "tests/integration/test_stampede.py",
    "tests/integration/test_query_counts.py",
)
TIMEOUT = 300


def _own_database(url: str, suffix: str) -> str:
    """DATABASE_URL with a database name of the suite's own: pytest-django creates and drops
    ``test_<name>``, which must not be this session's."""
    parts = urlsplit(url or "postgres://postgres@127.0.0.1:5432/aipal")
    name = parts.path.strip("/") or "aipal"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def _run_suite(redis_url: str, suffix: str) -> str:
    env = {
        **os.environ,
        "AIPAL_TEST_BACKENDS": "real",
        "CI": "true",  # a backend that does not answer fails the suite instead of skipping it
        "REDIS_URL": redis_url,
        "DATABASE_URL": _own_database(os.environ.get("DATABASE_URL", ""), suffix),
    }
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2", "-rs", *CACHE_SUITE]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)  # noqa: S603
    output = f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, output
    tally = done.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", tally)
    assert passed and int(passed.group(1)) > 350, output
    assert "skipped" not in tally and "error" not in tally, output
    return tally


def test_the_cache_suite_passes_on_a_redis_cluster(redis_cluster):
    _run_suite(redis_cluster.url, "cluster")


def test_the_cache_suite_passes_behind_sentinel(redis_sentinel):
    _run_suite(redis_sentinel.url, "sentinel")
