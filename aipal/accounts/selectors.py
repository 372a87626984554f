"""Reads of users and profiles, returning JSON-ready data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.exceptions import NotFound

from aipal.accounts.api.serializers import ProfileSerializer


def profile_detail(*, user_id: int) -> dict[str, Any]:
    """Return the profile of one user (defaults when no profile row exists yet)."""
    user = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return ProfileSerializer(user).data
