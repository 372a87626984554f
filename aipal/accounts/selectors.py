"""Reads of users and profiles, returning JSON-ready data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.exceptions import NotFound

from aipal.accounts.api.serializers import ProfileSerializer
from aipal.cache.aside import CachedRead
from aipal.cache.keys import PROFILE


def profile_detail(*, user_id: int) -> dict[str, Any]:
    """Return the profile of one user (defaults when no profile row exists yet)."""
    user = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return ProfileSerializer(user).data


def profile_read(*, user_id: int) -> CachedRead:
    return CachedRead(PROFILE.key(user_id=user_id), lambda: profile_detail(user_id=user_id))


def default_reads(*, user_id: int) -> list[CachedRead]:
    """The cached profile GET of one user (what ``cache_warm`` fills)."""
    return [profile_read(user_id=user_id)]
