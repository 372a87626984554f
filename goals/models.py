"""A user's goal. Progress is not stored: it is counted from the goal's tasks when read.

Its status is free (API.md); ``Goal.clean()`` keeps its tasks its user's, so the admin and
any ``full_clean()`` caller cannot move a goal away from the tasks that name it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from aipal.cache.queryset import InvalidatingQuerySet


class GoalStatus(models.TextChoices):
    ACTIVE = "active"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class ComplexityLevel(models.TextChoices):
    ATOMIC = "atomic"
    MICRO = "micro"
    MINI = "mini"
    MACRO = "macro"
    MEGA = "mega"


class Goal(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=2000)
    importance = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1), MaxValueValidator(10)])
    complexity_level = models.CharField(max_length=10, choices=ComplexityLevel.choices, default=ComplexityLevel.MINI)
    estimated_value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # goal lists: one user's goals of one status, newest first
            models.Index(fields=["user", "status", "-created_at", "-id"], name="goal_user_status_created"),
            # "all" lists and dashboard counts
            models.Index(fields=["user", "-created_at", "-id"], name="goal_user_created"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def clean(self) -> None:
        """Refuse a user whose goal this cannot be: the goal's tasks belong to another user."""
        super().clean()
        if self._state.adding or self.user_id is None:
            return
        if self.tasks.exclude(user_id=self.user_id).exists():
            raise ValidationError({"user": ["This goal has tasks of another user."]})
