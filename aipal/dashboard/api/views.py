"""``GET /api/users/{user_id}/dashboard``: cached, invalidated by every event that changes it."""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from aipal.api.views import UserScopedView
from aipal.dashboard import selectors
from aipal.dashboard.api.serializers import DashboardSerializer


class DashboardView(UserScopedView):
    cached_read = staticmethod(selectors.dashboard_read)

    @extend_schema(
        description="A user's figures: latest snapshot, ARI trend, goals and tasks by status.",
        responses=DashboardSerializer,
    )
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)
