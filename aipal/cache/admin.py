"""Operators see invalidations waiting for Redis; they are replayed, not edited by hand."""

from django.contrib import admin

from aipal.cache.models import PendingInvalidation


@admin.register(PendingInvalidation)
class PendingInvalidationAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "fields", "created_at")
    search_fields = ("user_id",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
