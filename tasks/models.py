"""A user's task: its goal is one of the same user's, and its status follows ``TRANSITIONS``.

``Task.clean()`` enforces both, so the admin and any code path that calls ``full_clean()``
obey the API's rules. ``tasks.services`` applies the same definitions (``check_transition``,
``is_goal_of``) on the API's path, where the row is loaded under a lock.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from aipal.cache.queryset import InvalidatingQuerySet
from goals.models import Goal


class TaskStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


# Allowed status changes; setting the same status again is a no-op.
TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.PENDING: frozenset({TaskStatus.RUNNING}),
    TaskStatus.RUNNING: frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED}),
    TaskStatus.FAILED: frozenset({TaskStatus.PENDING}),
    TaskStatus.COMPLETED: frozenset(),
}
NOT_A_GOAL_OF_THIS_USER = "Not a goal of this user."


def check_transition(current: str, new: str) -> None:
    """Raise ValidationError (on ``status``) unless a task may go from ``current`` to ``new``
    along TRANSITIONS; the same status again is allowed (a no-op)."""
    if new != current and new not in TRANSITIONS.get(current, frozenset()):
        raise ValidationError({"status": [f"Cannot change a task from {current} to {new}."]})


def is_goal_of(*, user_id: int, goal_id: int) -> bool:
    """Return whether ``goal_id`` names a goal of ``user_id``."""
    return Goal.objects.filter(pk=goal_id, user_id=user_id).exists()


class Task(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    goal = models.ForeignKey("goals.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    title = models.CharField(max_length=500)
    task_type = models.CharField(max_length=50, default="general")
    priority = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(10)])
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="task_user_created"),
            models.Index(fields=["user", "status", "-created_at", "-id"], name="task_user_status_created"),
            models.Index(fields=["user", "goal", "-created_at", "-id"], name="task_user_goal_created"),
        ]

    def __str__(self) -> str:
        return self.title[:60]

    # NOTE: a status change is checked against the status stored for the task, so the
    # instance remembers it when loaded, refreshed or saved (bookkeeping, no rule).
    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "status" in update_fields:
            self._remember_status()

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Task:
        task = super().from_db(db, field_names, values)
        task._remember_status()
        return task

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "status" in fields:
            self._remember_status()

    def _remember_status(self) -> None:
        self._stored_status = self.__dict__.get("status")  # None while the field is deferred

    def stored_status(self) -> str | None:
        """Return the task's status in the database, as last loaded or saved (read when it
        was deferred); None for a new task."""
        if self._state.adding:
            return None
        stored = getattr(self, "_stored_status", None)
        if stored is None:  # loaded without its status: read it
            stored = Task.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored

    def clean(self) -> None:
        """Check the goal's owner and the status change (API.md "Tasks")."""
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.goal_id is not None and self.user_id is not None:
            if not is_goal_of(user_id=self.user_id, goal_id=self.goal_id):
                errors["goal"] = [NOT_A_GOAL_OF_THIS_USER]
        if self._state.adding:
            if self.status != TaskStatus.PENDING:
                errors["status"] = ["A new task starts pending."]
        elif self.status in TaskStatus.values and (stored := self.stored_status()) is not None:
            try:
                check_transition(stored, self.status)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
