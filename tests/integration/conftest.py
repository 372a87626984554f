"""Integration fixtures: the real PostgreSQL and Redis, and private Redis servers to break.

Tests on the shared Redis use this run's own key prefix (see aipal.settings.test).
Fault tests start their own ``redis-server`` on a free port so they can stop it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis

from aipal.cache import background, client, epoch
from tests.conftest import free_port, point_cache_at


class RedisServer:
    """A ``redis-server`` of the test's own, which it may stop and start again."""

    def __init__(self, port: int, *extra: str) -> None:
        self.port = port
        self.extra = extra
        self.process: subprocess.Popen | None = None
        # Its own directory: a replica writes the RDB it receives there, never in the checkout.
        self.directory = tempfile.mkdtemp(prefix="aipal-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", self.directory]
        args += self.extra
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                probe.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        """Stop it for good and remove its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    yield server
    server.remove()


@pytest.fixture
def app_on(settings):
    """Return a function that points the app's cache at a given Redis URL."""

    def point(url: str) -> None:
        settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "BREAKER_RESET_SECONDS": 0.5, "BREAKER_MAX_RESET_SECONDS": 2}
        point_cache_at(settings, url)

    yield point
    background.stop()
    client.reset_breaker()
    epoch.forget()
