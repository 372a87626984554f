"""DRF's exception handler, plus Django's own error answers, all JSON.

- Model-level validation errors are DRF's 400.
- What Django refuses outside DRF answers JSON, never an HTML page: ``bad_request``
  (``handler400``: a bad ``Host``, a body it cannot parse, too many fields; 413 for a
  body too large), ``permission_denied`` (``handler403``), ``csrf_failure``
  (``CSRF_FAILURE_VIEW``, DRF's wording) and ``not_found``.
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

from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aipal.api.limits import too_large

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


# What a client is told for the errors Django answers 400 (the log keeps the details).
_BAD_REQUESTS: tuple[tuple[type[Exception], str], ...] = (
    (DisallowedHost, "Invalid Host header."),
    (TooManyFieldsSent, "Too many fields in the request."),
    (TooManyFilesSent, "Too many files in the request."),
    (MultiPartParserError, "The request body could not be parsed."),
)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler400``: what Django refuses (``SuspiciousOperation``, ``BadRequest``, a body
    it cannot parse) answers JSON; a body over the limit that got this far is a 413."""
    if isinstance(exception, RequestDataTooBig):
        return too_large().response()
    detail = next((text for kind, text in _BAD_REQUESTS if isinstance(exception, kind)), "Bad request.")
    return JsonResponse({"detail": detail}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler403``: ``PermissionDenied`` raised outside DRF (the admin) answers like DRF."""
    return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """``CSRF_FAILURE_VIEW``: a form post refused by the CSRF check, in DRF's words."""
    return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """``handler404``: a path no route matches (a bad id, say) answers JSON like the API."""
    return JsonResponse({"detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    """``handler500``: never an HTML page for an API client; an unreachable database met
    outside any view (middleware, ``ATOMIC_REQUESTS``) is still a 503."""
    if database_outage(sys.exc_info()[1]):
        return unavailable()
    return JsonResponse({"detail": "Internal server error."}, status=500)
