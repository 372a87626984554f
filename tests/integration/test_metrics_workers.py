"""/metrics under gunicorn is the server's, not one worker's: the project's gunicorn.conf.py
(three workers, Prometheus multiprocess mode) sums every worker on every scrape, and a
worker killed and replaced takes none of its counts with it."""

from __future__ import annotations

import http.client
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from bench.services import Database, Gunicorn, free_port, migrate, service_env
from tests.checker import server_url

pytestmark = pytest.mark.integration

WORKERS = 3
REQUESTS = 30
SCRAPES = 6
RESPONSES = "django_http_responses_total_by_status_view_method_total"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    """One gunicorn with the project's configuration and three workers, on a private database."""
    directory: Path = tmp_path_factory.mktemp("metrics")
    database = Database(server_url(), f"aipal_metrics_{os.getpid()}")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"aipalmetrics{os.getpid()}"
    env = service_env(database_url=database.url, redis_url=redis_url, key_prefix=prefix)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py chooses the directory
    gunicorn = Gunicorn(free_port(), WORKERS, env, directory, production_config=True)
    try:
        database.create()
        migrate(env)
        gunicorn.start()
        yield gunicorn
    finally:
        gunicorn.stop()
        database.drop()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)


def get(port: int, path: str) -> tuple[int, str]:
    """One request on a connection of its own (so any worker may take it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": "application/json", "Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def health_responses(port: int) -> float:
    """Scrape /metrics once and return how many 200s the health view has answered."""
    status, text = get(port, "/metrics")
    assert status == 200
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == RESPONSES and labels.get("status") == "200" and labels.get("view") == "health":
                total += sample.value
    return total


def wait_for_replacement(server: Gunicorn, killed: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = server.worker_pids()
        if killed not in pids and len(pids) == WORKERS and get(server.port, "/api/health")[0] == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not replace worker {killed} within {timeout:.0f}s")


def test_every_scrape_sums_all_workers_and_a_killed_worker_keeps_its_counts(server):
    assert len(server.worker_pids()) == WORKERS
    for _ in range(REQUESTS):
        assert get(server.port, "/api/health")[0] == 200
    seen = [health_responses(server.port) for _ in range(SCRAPES)]
    assert min(seen) >= REQUESTS, seen  # one worker's share would be about a third

    status, text = get(server.port, "/metrics")
    for name in ("cache_hits_total", "redis_connected", "redis_operation_duration_ms", "redis_pool_connections"):
        assert f"# TYPE {name} " in text or f"# HELP {name} " in text, name
    assert 'pid="' not in text  # gauges are combined over workers, never one series per worker

    before = max(seen)
    killed = server.worker_pids()[0]
    os.kill(killed, signal.SIGKILL)
    wait_for_replacement(server, killed)
    directory = Path("/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir())  # noqa: S108
    files = os.listdir(directory / f"aipal-metrics-{server.process.pid}")
    assert any(name.endswith(f"_{killed}.db") for name in files)  # its counters stay
    assert not any(name.startswith("gauge_live") and name.endswith(f"_{killed}.db") for name in files)
    after = [health_responses(server.port) for _ in range(SCRAPES)]
    assert min(after) >= before, (before, after)
