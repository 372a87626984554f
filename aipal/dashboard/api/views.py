"""``GET /api/users/{user_id}/dashboard``: cached, invalidated by every event that changes it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.api.views import UserScopedView
from aipal.dashboard import selectors


class DashboardView(UserScopedView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, user_id: str) -> Response:
        return self.cached_response(request, selectors.dashboard_read(user_id=self.target_user_id))
