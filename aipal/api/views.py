"""Base view for everything under ``/api/users/{user_id}/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from aipal.api.permissions import IsOwnerOrStaff
from aipal.cache.aside import CachedResponseMixin


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
