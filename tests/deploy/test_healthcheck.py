"""deploy/healthcheck.py, the web container's healthcheck, against a stand-in server."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "healthcheck.py"
_spec = importlib.util.spec_from_file_location("aipal_deploy_healthcheck", SCRIPT)
healthcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(healthcheck)


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        (None, "localhost"),
        ("", "localhost"),
        ("api.example.com,localhost", "api.example.com"),
        (" .example.com , other", "example.com"),
        ("*", "localhost"),
    ],
)
def test_the_host_is_one_the_app_accepts(allowed, host):
    assert healthcheck.health_host(allowed) == host


def test_the_port_is_gunicorns():
    assert healthcheck.health_url(None) == "http://127.0.0.1:8000/api/health"
    assert healthcheck.health_url("0.0.0.0:9000") == "http://127.0.0.1:9000/api/health"


@pytest.fixture
def server() -> Iterator[dict]:
    state: dict = {"status": 200, "seen": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["seen"].append((self.path, self.headers["Host"], self.headers["X-Forwarded-Proto"]))
            self.send_response(state["status"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep the test output quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    state["port"] = httpd.server_address[1]
    yield state
    httpd.shutdown()
    httpd.server_close()


def test_a_200_is_healthy(server, monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{server['port']}")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "api.example.com")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # ignored: never through a proxy
    assert healthcheck.main() == 0
    assert server["seen"] == [("/api/health", "api.example.com", "https")]


@pytest.mark.parametrize("status", [301, 400, 503])
def test_any_other_answer_is_unhealthy(server, monkeypatch, status):
    server["status"] = status
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{server['port']}")
    assert healthcheck.main() == 1


def test_nothing_listening_is_unhealthy(monkeypatch, capsys):
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{free_port()}")
    assert healthcheck.main() == 1
    assert capsys.readouterr().err.startswith("unhealthy:")
