"""Per-user access: a user reads and writes only their own ``/api/users/{user_id}/...``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class IsOwnerOrStaff(BasePermission):
    """Non-staff on another user's path: 403 (whether that user exists or not).

    Staff may act on any user; an unknown user id is then 404.
    """

    message = "You do not have permission to access another user's data."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user_id = view.target_user_id  # type: ignore[attr-defined]
        if request.user.is_staff:
            if user_id != request.user.id and not get_user_model().objects.filter(pk=user_id).exists():
                raise NotFound("User not found.")
            return True
        return user_id == request.user.id
