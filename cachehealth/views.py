"""System endpoints for monitors and load balancers: cache health and liveness.

They need no credentials, are never throttled and never cached (``no-store``), and
they opt out of ``ATOMIC_REQUESTS``: a probe must report a database outage as 503,
not fail with a 500 while opening the request's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cachehealth.health import CacheHealthChecker, HealthStatus, database_reachable, quick_status
from cachehealth.serializers import CacheHealthSerializer, HealthSerializer


class SystemView(APIView):
    """Base of the unauthenticated, uncached, unthrottled system endpoints."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class CacheHealthView(SystemView):
    """``GET /api/system/cache-health``: 200 with the figures, 503 (same body) when unhealthy."""

    @extend_schema(
        description="Cache figures; 503 with the same body when Redis is unreachable.",
        responses={200: CacheHealthSerializer, 503: CacheHealthSerializer},
    )
    def get(self, request: Request) -> Response:
        health = CacheHealthChecker().check()
        code = status.HTTP_503_SERVICE_UNAVAILABLE if health.status is HealthStatus.UNHEALTHY else status.HTTP_200_OK
        return Response(health.as_dict(), status=code)


class HealthView(SystemView):
    """``GET /api/health``: 200 while the database answers, else 503; the cache is reported, not required."""

    @extend_schema(
        description="Liveness: 200 while the database answers, else 503.",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        database = database_reachable()
        body = {
            "status": "ok" if database else "unavailable",
            "database": database,
            "cache": quick_status().value,
        }
        return Response(body, status=status.HTTP_200_OK if database else status.HTTP_503_SERVICE_UNAVAILABLE)
