"""Writes of users and profiles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction

from aipal.accounts.models import Profile


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "", **profile: Any) -> AbstractUser:
    """Create a user with a usable password and an empty profile."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    Profile.objects.create(user=user, **profile)
    return user


@transaction.atomic
def profile_update(*, user: AbstractUser, email: str | None = None, **fields: Any) -> AbstractUser:
    """Update the user's email and profile fields; unchanged rows are not written.

    ``user`` comes with its profile (``select_related("profile")``), so nothing is read twice.
    """
    if email is not None and email != user.email:
        user.email = email
        user.save(update_fields=["email"])
    if fields:
        try:
            profile = user.profile
        except Profile.DoesNotExist:
            profile = Profile(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save(update_fields=None if profile._state.adding else list(fields))
        user.profile = profile
    return user
