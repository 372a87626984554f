"""DRF's exception handler, plus the errors Django raises that must not be a 500.

- Model-level validation errors are DRF's 400.
- A database that cannot be reached (refused or dropped connections) is a 503
  ``{"detail": ...}``: ``DatabaseOutageMiddleware`` answers it for any view (DRF lets
  the error through its handler), ``server_error`` for the middleware, logged once per
  ``_LOG_EVERY`` seconds without a traceback; the requests that need no database
  (cache hits on the fast path) go on being answered.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)
_LOG_EVERY = 10.0
_last_log = 0.0


DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def _connection_lost() -> bool:
    """Whether the connection to the database is gone (never made, closed or dead)."""
    if connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:  # noqa: BLE001  (a connection that cannot even be asked is gone)
        return True


def database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached: a connection error, with the
    connection gone. A deadlock, a statement timeout or a lock refused also raise
    OperationalError on a live connection: those are errors like any other (500)."""
    if not isinstance(exc, OperationalError | InterfaceError) or not _connection_lost():
        return False
    global _last_log
    now = time.monotonic()
    if now - _last_log >= _LOG_EVERY:
        _last_log = now
        log.error("Database unavailable, answering 503: %s", exc)
    return True


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn model-level validation errors into DRF's 400 shape, then defer to DRF."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


def unavailable() -> JsonResponse:
    return JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)


class DatabaseOutageMiddleware:
    """A view outside DRF (the admin, Django's auth views) meeting an unreachable database: 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        return unavailable() if database_outage(exception) else None


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404``: a path no route matches (a bad id, say) answers JSON like the API."""
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: never an HTML page for an API client; an unreachable database met
    outside any view (middleware, ``ATOMIC_REQUESTS``) is still a 503."""
    if database_outage(sys.exc_info()[1]):
        return unavailable()
    return JsonResponse({"detail": "Internal server error."}, status=500)
