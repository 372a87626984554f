"""An ARI snapshot: seven dimensions in [0, 1] and the autonomy retention computed from them.

``delta_agency`` is not stored: it depends on the neighbouring snapshot as the data
stands when read (a back-dated insert or a delete re-chains), see ``ari.selectors``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from aipal.cache.queryset import InvalidatingQuerySet

DIMENSIONS = (
    "decision_quality",
    "skill_development",
    "ai_reliance",
    "bottleneck_resolution",
    "user_confidence",
    "engagement",
    "autonomy_perception",
)
_UNIT = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class TaskComplexity(models.TextChoices):
    TRIVIAL = "trivial"
    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"
    EXPERT = "expert"


class ARISnapshot(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ari_snapshots")
    timestamp = models.DateTimeField(default=timezone.now)
    decision_quality = models.FloatField(validators=_UNIT)
    skill_development = models.FloatField(validators=_UNIT)
    ai_reliance = models.FloatField(validators=_UNIT)
    bottleneck_resolution = models.FloatField(validators=_UNIT)
    user_confidence = models.FloatField(validators=_UNIT)
    engagement = models.FloatField(validators=_UNIT)
    autonomy_perception = models.FloatField(validators=_UNIT)
    autonomy_retention = models.FloatField()
    task_description = models.TextField(blank=True, default="")
    task_complexity = models.CharField(max_length=10, choices=TaskComplexity.choices, null=True, blank=True)

    objects = InvalidatingQuerySet.as_manager()

    class Meta:
        verbose_name = "ARI snapshot"
        ordering = ["-timestamp", "-id"]
        indexes = [
            # latest, history ranges, the previous snapshot of each row, predictions
            models.Index(fields=["user", "timestamp", "id"], name="ari_user_timestamp"),
        ]

    def __str__(self) -> str:
        return f"ARI {self.autonomy_retention} of user {self.user_id} at {self.timestamp:%Y-%m-%d %H:%M}"
