"""Base view for everything under ``/api/users/{user_id}/``, and how it serves cached GETs.

A cached GET answers the bytes ``get_or_fill`` returns (a hit never runs a serializer)
with ``X-Cache``, a strong ``ETag`` derived from the body, and 304 when the request's
``If-None-Match`` names it. The WSGI fast path (``aipal.fastpath``) answers the same
hits before Django runs; these views stay the reference it must match byte for byte.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aipal.api.permissions import IsOwnerOrStaff
from aipal.cache.aside import CachedRead, get_or_fill

# What a cached response varies on: the renderer, and who asks.
CACHED_VARY = ("Accept", "Authorization", "Cookie")


class CachedResponseMixin:
    """For DRF views: answer a GET through the cache, JSON only.

    The browsable API (any non-JSON renderer) is never served from the cache.
    """

    def cached_response(self, request: Request, read: CachedRead) -> HttpResponseBase:
        if getattr(request, "accepted_renderer", None) is None or request.accepted_renderer.format != "json":
            return Response(read.load())
        served = get_or_fill(read.key, read.load)
        response = HttpResponse(served.body, content_type="application/json")
        response["X-Cache"] = served.status.value
        response["ETag"] = served.etag
        patch_vary_headers(response, CACHED_VARY)
        return get_conditional_response(request, etag=served.etag, response=response)


class UserScopedView(CachedResponseMixin, APIView):
    """An API view acting on one user's data; responses are private to that user."""

    permission_classes = [IsAuthenticated, IsOwnerOrStaff]

    @property
    def target_user_id(self) -> int:
        return int(self.kwargs["user_id"])

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True)
        return response
