"""Operators see invalidations waiting for Redis; they are replayed, never edited by hand.

NOTE: deleting a pending invalidation would leave the entries it names stale until
their TTL, so the admin view is read-only: no add, change or delete, no bulk action.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from aipal.cache.models import PendingInvalidation


@admin.register(PendingInvalidation)
class PendingInvalidationAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "fields", "created_at")
    search_fields = ("user_id",)
    date_hierarchy = "created_at"
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PendingInvalidation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PendingInvalidation | None = None) -> bool:
        return False
