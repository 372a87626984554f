"""deploy/nginx/aipal.conf run by a real nginx on loopback, in front of a stand-in upstream.

The file is used as the image uses it, with three addresses swapped for test ones: the
port it listens on, the upstream (``web:8000``) and the static files' folder.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path

import pytest

from aipal.api.limits import too_large
from tests.conftest import free_port
from tests.deploy.conftest import require_tool

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "aipal.conf"
MIB = 1024 * 1024


@dataclass
class Upstream:
    """A stand-in for gunicorn: answers 200 JSON and keeps what it received."""

    server: HTTPServer
    seen: list[dict] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]


def start_upstream(server_class: type[HTTPServer] = ThreadingHTTPServer) -> Upstream:
    """Start the stand-in (``HTTPServer``: one request at a time, as a sync worker)."""
    upstream: Upstream

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            upstream.seen.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
            payload = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
            """Keep the test output quiet."""

    upstream = Upstream(server_class(("127.0.0.1", 0), Handler))
    threading.Thread(target=upstream.server.serve_forever, args=(0.05,), daemon=True).start()
    return upstream


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is no longer in {CONF.name}: update this test"
    return text.replace(old, new)


@dataclass
class Proxy:
    port: int
    upstream: Upstream
    static: Path

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            chunked = (headers or {}).get("Transfer-Encoding") == "chunked"
            conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def raw(self, data: bytes) -> tuple[int, dict, bytes]:
        """Send ``data`` exactly as given (no client tidies it up) and read one answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(data)
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.fixture
def proxy(tmp_path) -> Iterator[Proxy]:
    with running_proxy(tmp_path, start_upstream()) as running:
        yield running


@contextmanager
def running_proxy(tmp_path: Path, upstream: Upstream) -> Iterator[Proxy]:
    """nginx on a free loopback port in front of ``upstream`` (stopped with it at the end)."""
    nginx = require_tool([["nginx"], ["/usr/sbin/nginx"]], probe=["-v"])
    port = free_port()
    static = tmp_path / "static"
    (static / "admin").mkdir(parents=True)
    (static / "admin" / "base.css").write_text("body { margin: 0; }\n")
    conf = CONF.read_text()
    conf = swap(conf, "listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")
    conf = swap(conf, "set $web http://web:8000;", f"set $web http://127.0.0.1:{upstream.port};")
    conf = swap(conf, "alias /srv/static/;", f"alias {static}/;")
    (tmp_path / "aipal.conf").write_text(conf)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  {mime}\n  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/aipal.conf;\n}}\n"
    )
    command = [*nginx, "-p", str(tmp_path), "-e", f"{tmp_path}/error.log", "-c", f"{tmp_path}/nginx.conf"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start: {process.stderr.read() if process.stderr else ''}")
                time.sleep(0.05)
        yield Proxy(port=port, upstream=upstream, static=static)
    finally:
        process.terminate()
        process.wait(timeout=10)
        upstream.server.shutdown()
        upstream.server.server_close()


def test_the_file_passes_nginx_t(tmp_path):
    nginx = require_tool([["nginx"], ["/usr/sbin/nginx"]], probe=["-v"])
    # The file unchanged, inside an http {} block as the image's nginx.conf includes it.
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n  include {CONF};\n}}\n")
    command = [*nginx, "-t", "-p", str(tmp_path), "-e", "stderr", "-c", str(main)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_requests_reach_the_app_with_the_forwarded_headers(proxy):
    status, headers, body = proxy.request(
        "GET", "/api/health?x=1", headers={"Host": "api.example.com:8000", "X-Forwarded-For": "203.0.113.9"}
    )
    assert (status, json.loads(body)) == (200, {"ok": True})
    seen = proxy.upstream.seen[-1]
    assert seen["path"] == "/api/health?x=1"
    assert seen["headers"]["Host"] == "api.example.com:8000"
    # What the client claimed stays first; the address nginx saw is the last entry, the one
    # DJANGO_NUM_PROXIES=1 trusts.
    assert seen["headers"]["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert seen["headers"]["X-Forwarded-Proto"] == "http"
    assert headers["server"] == "nginx"  # no version


def test_a_body_over_the_limit_gets_the_apps_413_without_reaching_it(proxy):
    # An extension in the path must not change the answer's type (nginx's MIME types).
    status, headers, body = proxy.request(
        "POST", "/api/users/1/goals.css", body=b"x" * (MIB + 1), headers={"Content-Type": "application/json"}
    )
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"detail": too_large().detail}
    assert proxy.upstream.seen == []


def test_a_body_at_the_limit_is_passed_on_whole(proxy):
    status, _, _ = proxy.request("POST", "/api/users/1/goals", body=b"x" * MIB)
    assert status == 200
    seen = proxy.upstream.seen[-1]
    assert (seen["headers"]["Content-Length"], len(seen["body"])) == (str(MIB), MIB)


def test_a_chunked_body_reaches_the_app_with_a_content_length(proxy):
    chunks = [b'{"description": ', b'"chunked"}']
    status, _, _ = proxy.request(
        "PATCH", "/api/users/1/goals/2", body=iter(chunks), headers={"Transfer-Encoding": "chunked"}
    )
    assert status == 200
    seen = proxy.upstream.seen[-1]
    assert seen["body"] == b"".join(chunks)
    assert seen["headers"]["Content-Length"] == str(len(b"".join(chunks)))
    assert "Transfer-Encoding" not in seen["headers"]  # the app would answer 411 to it


def test_static_files_are_served_by_nginx(proxy):
    status, headers, body = proxy.request("GET", "/static/admin/base.css")
    assert (status, body) == (200, b"body { margin: 0; }\n")
    assert headers["content-type"] == "text/css"
    assert proxy.upstream.seen == []
    status, headers, body = proxy.request("GET", "/static/admin/missing.css")
    assert (status, headers["content-type"], json.loads(body)) == (404, "application/json", {"detail": "Not found."})


def test_metrics_are_not_published(proxy):
    for path in ("/metrics", "/metrics/"):
        status, headers, body = proxy.request("GET", path)
        assert (status, headers["content-type"]) == (404, "application/json")
        assert json.loads(body) == {"detail": "Not found."}
    assert proxy.request("GET", "/metricsx")[0] == 200  # any other path is the app's
    assert [seen["path"] for seen in proxy.upstream.seen] == ["/metricsx"]


def raw_request(line: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    """``line`` (the request line, as sent), a Host, ``headers`` and ``body`` as raw bytes."""
    return b"\r\n".join([line, b"Host: localhost", *headers, b"", body])


def nginx_error(name: str, data: bytes, status: int, detail: str = "Bad request.") -> object:
    """One case of the test below: ``data`` is answered ``status`` JSON ``{"detail": detail}``."""
    return pytest.param(data, status, detail, id=name)


CSS = b"/static/admin/base.css"


@pytest.mark.parametrize(
    ("data", "status", "detail"),
    [
        # Refused while the request line is read, before the request has a URI.
        nginx_error("lowercase-method", raw_request(b"get / HTTP/1.1"), 400),
        nginx_error("connect", raw_request(b"CONNECT example.com:443 HTTP/1.1"), 400),
        nginx_error("encoded-dot-dot", raw_request(b"GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1"), 400),
        nginx_error("nul-in-path", raw_request(b"GET /api/users/%00 HTTP/1.1"), 400),
        nginx_error("above-the-root", raw_request(b"GET /../x HTTP/1.1"), 400),
        nginx_error("tls-to-the-http-port", b"\x16\x03\x01\x00\xa5\x01\x00\x00\r\n\r\n", 400),
        nginx_error(
            "uri-too-long", raw_request(b"GET /%s HTTP/1.1" % (b"a" * 9000)), 414, "The request URI is too long."
        ),
        nginx_error("http-2.0", raw_request(b"GET / HTTP/2.0"), 505, "The HTTP version is not supported."),
        # Refused once the headers are read.
        nginx_error("bad-header-line", raw_request(b"GET /api/health HTTP/1.1", b"Bad Header Line"), 400),
        nginx_error("header-too-large", raw_request(b"GET / HTTP/1.1", b"X-A: " + b"a" * 9000), 400),
        nginx_error("trace", raw_request(b"TRACE / HTTP/1.1"), 405, "Method not allowed."),
        nginx_error(
            "transfer-encoding-gzip",
            raw_request(b"POST /api/x HTTP/1.1", b"Transfer-Encoding: gzip"),
            501,
            "This Transfer-Encoding is not supported: send chunked or none.",
        ),
        # Static files (GET and HEAD only) answer through the same error pages.
        nginx_error(
            "static-post",
            raw_request(b"POST %s HTTP/1.1" % CSS, b"Content-Length: 2", body=b"{}"),
            405,
            "Method not allowed.",
        ),
        nginx_error(
            "static-too-large",
            raw_request(b"POST %s HTTP/1.1" % CSS, b"Content-Length: 2000000"),
            413,
            too_large().detail,
        ),
        nginx_error("static-folder", raw_request(b"GET /static/ HTTP/1.1"), 404, "Not found."),
        nginx_error("static-subfolder", raw_request(b"GET /static/admin/ HTTP/1.1"), 404, "Not found."),
        nginx_error(
            "static-range",
            raw_request(b"GET %s HTTP/1.1" % CSS, b"Range: bytes=9999-"),
            416,
            "The requested range is not satisfiable.",
        ),
        nginx_error(
            "static-if-match",
            raw_request(b"GET %s HTTP/1.1" % CSS, b'If-Match: "other"'),
            412,
            "A precondition of the request failed.",
        ),
        # The error answers are not for clients to ask for.
        nginx_error("error-answer", raw_request(b"GET /_errors/400 HTTP/1.1"), 404, "Not found."),
    ],
)
def test_errors_nginx_raises_are_json_with_their_status(proxy, data, status, detail):
    answer_status, headers, body = proxy.raw(data)
    assert (answer_status, headers["content-type"]) == (status, "application/json"), body
    assert json.loads(body) == {"detail": detail}
    assert proxy.upstream.seen == []


def test_an_internal_error_of_nginx_gets_json(proxy, tmp_path):
    # A body over client_body_buffer_size goes to a temporary file: make that fail.
    (tmp_path / "body").rmdir()
    (tmp_path / "body").write_text("")
    status, headers, body = proxy.request("POST", "/api/users/1/goals", body=b"x" * 200_000)
    assert (status, headers["content-type"]) == (500, "application/json")
    assert json.loads(body) == {"detail": "Internal server error."}
    assert proxy.upstream.seen == []


def test_an_app_that_is_down_gets_json(proxy):
    proxy.upstream.server.shutdown()
    proxy.upstream.server.server_close()
    status, headers, body = proxy.request("GET", "/api/health")
    assert (status, headers["content-type"]) == (502, "application/json")
    assert "unavailable" in json.loads(body)["detail"]


def test_slow_clients_are_timed_out_quickly():
    directives = dict(re.findall(r"^\s*(\w+_timeout)\s+(\d+)s;", CONF.read_text(), re.MULTILINE))
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout"):
        assert int(directives[name]) <= 15, name
    assert "server_tokens off;" in CONF.read_text()
    assert re.search(r"^\s*proxy_request_buffering on;", CONF.read_text(), re.MULTILINE)


def test_half_sent_requests_do_not_hold_a_sync_worker(tmp_path):
    """Two clients that never finish their request (slowloris) cost nginx two connections;
    the app, one request at a time, answers the next client at once."""
    with running_proxy(tmp_path, start_upstream(HTTPServer)) as proxy:
        headers_only = socket.create_connection(("127.0.0.1", proxy.port))
        headers_only.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n")  # the headers never end
        body_started = socket.create_connection(("127.0.0.1", proxy.port))
        body_started.sendall(
            b"PATCH /api/users/1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"display_name": '  # 17 of 1000 bytes
        )
        try:
            time.sleep(0.3)
            started = time.monotonic()
            status, _, _ = proxy.request("GET", "/api/health")
            waited = time.monotonic() - started
        finally:
            headers_only.close()
            body_started.close()
    assert status == 200
    assert waited < 5, f"the answer waited {waited:.1f} s behind the half-sent requests"
    assert [seen["method"] for seen in proxy.upstream.seen] == ["GET"]  # nothing half-sent reached it
