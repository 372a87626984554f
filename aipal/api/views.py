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
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from aipal.api.params import parse_query, query_params
from aipal.api.permissions import IsOwnerOrStaff
from aipal.cache.aside import FASTPATH_PRIOR, CachedRead, get_or_fill

# What a cached response varies on: the renderer, and who asks.
CACHED_VARY = ("Accept", "Authorization", "Cookie")


class CachedResponseMixin:
    """For DRF views: answer a GET through the cache, JSON only.

    A cached view declares ``cached_read(*, user_id, <object ids>, <query params>)``, the
    selector's read for one request, and ``params_class``, the serializer of its query
    string. ``read_for`` turns a path's ids and a query string into that read: the view
    and the fast path both call it, so one request always names one key.
    The browsable API (any non-JSON renderer) is never served from the cache.
    """

    params_class: type[Serializer] | None = None

    @staticmethod
    def cached_read(**kwargs: Any) -> CachedRead:
        raise NotImplementedError("A cached view declares cached_read(*, user_id, ...).")

    @classmethod
    def read_for(cls, user_id: int, ids: dict[str, int], query_string: str) -> CachedRead | None:
        """Return the read of one request, or None when its query string is invalid."""
        params = parse_query(cls.params_class, query_string) if cls.params_class else {}
        return None if params is None else cls.cached_read(user_id=user_id, **ids, **params)

    def cached_get(self, request: Request, user_id: int) -> HttpResponseBase:
        """Serve this view's cached GET (query string errors are 400)."""
        ids = {name: int(value) for name, value in self.kwargs.items() if name != "user_id"}  # type: ignore[attr-defined]
        read = self.read_for(user_id, ids, request.META.get("QUERY_STRING", ""))
        if read is None:
            query_params(self.params_class, request)  # raises the 400, with the errors
        return self.cached_response(request, read)

    def cached_response(self, request: Request, read: CachedRead) -> HttpResponseBase:
        if getattr(request, "accepted_renderer", None) is None or request.accepted_renderer.format != "json":
            return Response(read.load())
        served = get_or_fill(read.key, read.load, request.META.get(FASTPATH_PRIOR))
        response = HttpResponse(served.body, content_type="application/json")
        response["X-Cache"] = served.status.value
        response["ETag"] = served.etag
        patch_vary_headers(response, CACHED_VARY)
        return get_conditional_response(request, etag=served.etag, response=response)


class BaseAPIView(APIView):
    """The project's API views: DRF's, with the throttles checked before the permissions.

    DRF checks them after, so a request refused with a 401 or 403 (another user's path,
    a staff-only endpoint) would never count: probing would be free, each probe costing
    an authentication query. Here every request counts against its caller (its user, or
    its IP without credentials).
    """

    def check_permissions(self, request: Request) -> None:
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        if not getattr(self, "_throttles_checked", False):  # once per request: each check charges
            self._throttles_checked = True
            super().check_throttles(request)


class UserScopedView(CachedResponseMixin, BaseAPIView):
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
