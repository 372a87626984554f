"""The refusals on the real server: gunicorn (production settings, the project's WSGI
application) on the test database, spoken to over a raw socket, since what gunicorn
does with the framing (it decodes a chunked body and drops its length) is the point."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from aipal.accounts.models import Profile
from aipal.accounts.tokens import issue
from bench.services import Gunicorn, service_env
from tests.conftest import free_port
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Gunicorn]:
    env = service_env(database_url=database_url(), redis_url=settings.REDIS_URL, key_prefix=settings.CACHE_KEY_PREFIX)
    gunicorn = Gunicorn(free_port(), 1, env, tmp_path)
    gunicorn.start()
    yield gunicorn
    gunicorn.stop()


def exchange(port: int, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send one request as written; read the answer to the end (sync workers close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    header_block, _, content = received.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    if headers.get("transfer-encoding") == "chunked":
        content = dechunked(content)
    return int(status_line.split()[1]), headers, content


def dechunked(content: bytes) -> bytes:
    body = b""
    while True:
        size_line, _, content = content.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body
        body, content = body + content[:size], content[size + 2 :]


def assert_json_error(answer: tuple[int, dict[str, str], bytes], status: int) -> None:
    code, headers, content = answer
    assert (code, headers.get("content-type")) == (status, "application/json"), content[:300]
    assert json.loads(content)["detail"]


def test_gunicorn_refuses_a_chunked_a_too_big_and_a_bad_host_request_in_json(server):
    user = UserFactory()
    token = issue(user)[0]
    name = Profile.objects.get(user=user).display_name
    head = f"PATCH /api/users/{user.id} HTTP/1.1\nHost: localhost\nAuthorization: Token {token}\n"
    head += "Content-Type: application/json\n"
    body = b'{"display_name": "changed"}'
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"

    assert_json_error(exchange(server.port, head + "Transfer-Encoding: chunked\n", chunked), 411)
    # The length alone decides: the app answers before the body would be read.
    assert_json_error(exchange(server.port, head + f"Content-Length: {2 * 1024 * 1024}\n"), 413)
    bad_host = head.replace("Host: localhost", "Host: evil.example") + f"Content-Length: {len(body)}\n"
    assert_json_error(exchange(server.port, bad_host, body), 400)
    assert Profile.objects.get(user=user).display_name == name

    good = exchange(server.port, head + f"Content-Length: {len(body)}\n", body)
    assert good[0] == 200 and Profile.objects.get(user=user).display_name == "changed"
    log = server.log.read_text()
    assert "Length Required" in log and "Invalid HTTP_HOST header" in log
    assert "Traceback" not in log
