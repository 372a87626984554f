"""Admin for ARI snapshots. Retention is derived data: the admin recomputes it on save; a
snapshot's user is read-only once it exists (``OwnedAdmin``)."""

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from aipal.accounts.owned_admin import OwnedAdmin
from ari import services
from ari.models import ARISnapshot


@admin.register(ARISnapshot)
class ARISnapshotAdmin(OwnedAdmin):
    list_display = ("id", "user", "timestamp", "autonomy_retention", "ai_reliance", "task_complexity")
    list_filter = ("task_complexity", "timestamp")
    search_fields = ("user__username", "task_description")
    raw_id_fields = ("user",)
    date_hierarchy = "timestamp"
    readonly_fields = ("autonomy_retention",)
    list_select_related = ("user",)

    def save_model(self, request: HttpRequest, obj: ARISnapshot, form: ModelForm, change: bool) -> None:
        """Recompute ``autonomy_retention`` from the (possibly edited) dimensions, as the API does."""
        services.snapshot_refresh_retention(snapshot=obj)
        super().save_model(request, obj, form, change)
