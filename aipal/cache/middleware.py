"""Requests apply the invalidations of their writes in one Redis round trip.

The middleware runs each request inside ``invalidation.batched()``: bumps committed
while the request runs (one transaction or several, ``ATOMIC_REQUESTS`` or not) are
collected and applied in one pipeline before the response leaves, so a read that
starts after the response never sees data the write changed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from aipal.cache.invalidation import batched

__all__ = ["InvalidationBatchMiddleware"]


class InvalidationBatchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with batched():
            return self.get_response(request)
