"""The task admin: the API's rules hold here too.

The form's ``full_clean()`` runs ``Task.clean()``, so a goal of another user or a status
change off TRANSITIONS is a form error; a task's user is read-only once it exists. A POST
loads the task under a row lock (the admin wraps it in a transaction), so the change is
checked against the stored status, and a valid change is stamped as the API stamps it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from aipal.accounts.owned_admin import OwnedAdmin
from tasks.models import Task
from tasks.services import task_stamp_transition


@admin.register(Task)
class TaskAdmin(OwnedAdmin):
    list_display = ("id", "user", "title", "status", "priority", "task_type", "goal", "attempts", "created_at")
    list_filter = ("status", "task_type", "priority")
    search_fields = ("title", "user__username", "error_message")
    raw_id_fields = ("user", "goal")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "started_at", "completed_at")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Task | None:
        """Return the task; on a POST inside the admin's transaction, under a row lock."""
        task = super().get_object(request, object_id, from_field)
        if task is None or request.method != "POST" or not transaction.get_connection().in_atomic_block:
            return task
        return self.get_queryset(request).select_for_update().filter(pk=task.pk).first()

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        """Save the task, stamping a status change (``started_at``, ``completed_at``, retries)."""
        previous = obj.stored_status()
        if change and previous is not None:
            task_stamp_transition(task=obj, previous=previous)
        super().save_model(request, obj, form, change)
