"""Requests through the deployed WSGI application: the fast path in front of Django's handler.

Django's test client calls the handler directly and so never meets the fast path; this
client builds a WSGI environ with ``RequestFactory`` and calls ``aipal.wsgi``'s stack.
With ``commit=True`` (tests inside a transaction that never commits) it keeps the test's
database connection open across requests and runs each request's on_commit callbacks
as a commit would; with ``commit=False`` (real commits) requests open and close their
connections as in production.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory, TestCase

from aipal.fastpath import FastPath, metrics

HOST = "localhost"


@dataclass
class WSGIResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class WSGIClient:
    token: str | None = None
    fast_path: bool = True
    commit: bool = True  # run on_commit callbacks (False with real commits)
    app: Any = field(init=False)

    def __post_init__(self) -> None:
        self.app = FastPath(WSGIHandler()) if self.fast_path else WSGIHandler()

    def request(self, method: str, path: str, data: Any = None, **headers: str) -> WSGIResponse:
        extra = {"SERVER_NAME": HOST, **headers}
        if self.token is not None:
            extra.setdefault("HTTP_AUTHORIZATION", f"Token {self.token}")
        factory = RequestFactory()
        if method == "GET":
            environ = factory.get(path, **extra).environ
        else:
            environ = factory.generic(method, path, data or "", content_type="application/json", **extra).environ
        return self.call(environ)

    def get(self, path: str, **headers: str) -> WSGIResponse:
        return self.request("GET", path, **headers)

    def call(self, environ: dict[str, Any]) -> WSGIResponse:
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer["status"], answer["headers"] = int(status.split()[0]), list(headers)

        with ExitStack() as stack:
            if self.commit:
                request_started.disconnect(close_old_connections)
                request_finished.disconnect(close_old_connections)
                stack.callback(request_started.connect, close_old_connections)
                stack.callback(request_finished.connect, close_old_connections)
                stack.enter_context(TestCase.captureOnCommitCallbacks(execute=True))
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
        return WSGIResponse(answer["status"], answer["headers"], body)


def fast_path_count(outcome: str) -> float:
    """How many requests the fast path counted with ``outcome`` (hit, not_modified, ...)."""
    return metrics.FAST_PATH.labels(outcome)._value.get()


def answered_by_fast_path(wsgi: WSGIClient, url: str, **headers: str) -> WSGIResponse:
    """GET ``url`` and require the fast path to have answered it (a hit or a 304)."""
    before = fast_path_count("hit") + fast_path_count("not_modified")
    response = wsgi.get(url, **headers)
    assert fast_path_count("hit") + fast_path_count("not_modified") == before + 1, (url, response)
    return response
