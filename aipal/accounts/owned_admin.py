"""``OwnedAdmin``: the admin of objects that belong to one user (goals, tasks, snapshots,
profiles), where that user is read-only once the object exists.

The API never moves an object to another user, and the cache invalidates a write for the
object's user only: an object moved in the admin would stay in its old owner's cached
responses until their TTL (a deleted snapshot still served as the latest, say).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

__all__ = ["OwnedAdmin"]


class OwnedAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        """The admin's read-only fields, and the user too once the object exists."""
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if obj is None else ("user", *fields)
