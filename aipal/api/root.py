"""The API root (``/api/``): every endpoint by name and URL, so a browser can find its way.

JSON by default, the browsable API in a browser; no authentication needed. Per-user
endpoints name the caller's own id once signed in, else carry a ``{user_id}`` template,
so the answer is private and varies on the credentials (``Authorization``, ``Cookie``).
URLs are reversed from the URLconf's names, so the list cannot drift from the routes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.api.views import BaseAPIView

__all__ = ["ENDPOINTS", "ApiRootView"]

# Name in the listing -> URL name (per-user ones take the user's id).
ENDPOINTS: dict[str, str] = {
    "docs": "docs",
    "redoc": "redoc",
    "schema": "schema",
    "health": "health",
    "cache_health": "cache-health",
    "metrics": "prometheus-django-metrics",
    "token": "auth-token",
    "logout": "auth-logout",
    "session_login": "rest_framework:login",
    "users": "user-create",
    "me": "user-me",
}
USER_ENDPOINTS: dict[str, str] = {
    "profile": "user-profile",
    "ari": "ari-latest",
    "ari_history": "ari-history",
    "predictions": "ari-predictions",
    "goals": "goal-list",
    "tasks": "task-list",
    "dashboard": "dashboard",
}
# NOTE: reversed with this id, then replaced by the template: the routes take only digits.
_PLACEHOLDER_ID = 987654321987654321


@extend_schema(exclude=True)  # a page for people: the document lists the endpoints themselves
class ApiRootView(BaseAPIView):
    """List the API's endpoints (the anonymous or user throttle applies, as everywhere)."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        links: dict[str, Any] = {name: request.build_absolute_uri(reverse(url)) for name, url in ENDPOINTS.items()}
        user = request.user
        user_id = int(user.pk) if user is not None and user.is_authenticated else None
        for name, url in USER_ENDPOINTS.items():
            path = reverse(url, kwargs={"user_id": user_id or _PLACEHOLDER_ID})
            links[name] = request.build_absolute_uri(path).replace(str(_PLACEHOLDER_ID), "{user_id}")
        return Response(links)

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any) -> Any:
        """Mark the answer as one caller's: shared caches must not serve it to another."""
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        patch_cache_control(response, private=True)
        return response
