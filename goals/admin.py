"""The goal admin: a goal stays with its user, and ``completed_at`` follows its status.

The form's ``full_clean()`` runs ``Goal.clean()``; a goal's user is read-only once it
exists (the API never moves a goal, and the cache invalidates for the goal's user only).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aipal.accounts.owned_admin import OwnedAdmin
from goals.models import Goal
from goals.services import goal_stamp_status


@admin.register(Goal)
class GoalAdmin(OwnedAdmin):
    list_display = ("id", "user", "description", "status", "importance", "complexity_level", "deadline", "created_at")
    list_filter = ("status", "complexity_level", "importance")
    search_fields = ("description", "user__username")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at", "completed_at")

    def save_model(self, request: HttpRequest, obj: Goal, form: Any, change: bool) -> None:
        """Save the goal, setting or clearing ``completed_at`` as the API does."""
        goal_stamp_status(goal=obj, previous=form.initial.get("status"))
        super().save_model(request, obj, form, change)
