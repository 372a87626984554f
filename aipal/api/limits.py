"""Refuse a request Django would misread or that is over the limits, before anything reads it.

Answered as JSON ``{"detail": ...}`` by ``RequestLimitsMiddleware``, logged as one
warning line (Django's ``django.request`` log of a 4xx), never a traceback:

- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (1 MiB) by its ``Content-Length``: 413,
  whatever the method and content type. Django itself checks only bodies that are not
  multipart, and only when a view reads them, raising ``RequestDataTooBig`` (an HTML 400
  with a traceback in the log); multipart file parts it would spool to disk unbounded.
- a body framed by ``Transfer-Encoding`` (chunked): 411. Django reads ``CONTENT_LENGTH``
  bytes of a body and nothing else; gunicorn decodes a chunked body and passes it with
  no ``CONTENT_LENGTH`` (and ``wsgi.input_terminated``), so Django read it as empty and a
  chunked PATCH answered 200 having changed nothing. Reading such bodies here would mean
  buffering each one ahead of Django, up to the limit, from servers that decode it
  (gunicorn does, ``runserver`` does not), while a slow sender holds a sync worker. The
  deployment's nginx buffers every body and sends ``Content-Length``, so its clients
  never meet the 411; a client talking straight to gunicorn is told what to send instead.
- a ``Content-Length`` that is not a number: 400 (gunicorn refuses it first; other servers
  would pass it on, and Django's request would fail with a 500 reading it).
- more query-string fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``: 400, counted as
  Django's ``QueryDict`` counts them (it would raise ``TooManyFieldsSent`` in the view).

The WSGI fast path calls ``refusal`` too and passes such requests on, so a cached GET
is refused exactly as the view would refuse it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse

__all__ = ["Refusal", "RequestLimitsMiddleware", "refusal", "too_large"]


@dataclass(frozen=True)
class Refusal:
    status: int
    detail: str

    def response(self) -> JsonResponse:
        return JsonResponse({"detail": self.detail}, status=self.status)


LENGTH_REQUIRED = Refusal(
    411, "Send the request body with a Content-Length header: Transfer-Encoding (chunked) is not accepted."
)
BAD_LENGTH = Refusal(400, "Invalid Content-Length header.")


def too_large() -> Refusal:
    return Refusal(413, f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")


def refusal(environ: Mapping[str, Any]) -> Refusal | None:
    """Return how the app refuses this request (a WSGI environ or ``request.META``), or None."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return LENGTH_REQUIRED
    length = environ.get("CONTENT_LENGTH")
    if length:
        if not (length.isascii() and length.isdigit()):
            return BAD_LENGTH
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and int(length) > limit:
            return too_large()
    query = environ.get("QUERY_STRING")
    if query:
        most = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        if most is not None and query.count("&") >= most:  # as Python's parse_qsl counts: 1 + the '&'s
            return Refusal(400, f"Too many query string parameters: at most {most}.")
    return None


class RequestLimitsMiddleware:
    """Answer ``refusal``'s status before the CSRF check or any view reads the request (after
    ``CommonMiddleware``: a bad ``Host`` is refused first, and the answer gets its length)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        refused = refusal(request.META)
        if refused is not None:
            return refused.response()
        return self.get_response(request)
