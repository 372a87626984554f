"""A profile beside Django's auth user: display name, learning style, preferences."""

from django.conf import settings
from django.db import models

from aipal.cache.queryset import InvalidatingQuerySet


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=150, blank=True, default="")
    learning_style = models.CharField(max_length=50, null=True, blank=True)
    preferences = models.JSONField(default=dict, blank=True)

    objects = InvalidatingQuerySet.as_manager()

    def __str__(self) -> str:
        return self.display_name or f"profile of user {self.user_id}"
