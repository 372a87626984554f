"""The durable outbox of invalidations that could not be applied when their write committed."""

from django.db import models


class PendingInvalidation(models.Model):
    """Generations of one user still to bump, kept in the database until Redis takes them.

    NOTE: rows are written only when a bump failed (Redis down or unreachable from this
    process); ``aipal.cache.recovery`` replays them before this process serves from
    Redis again, and every process's drainer replays them within a poll interval.
    """

    user_id = models.BigIntegerField()
    fields = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "pending invalidation"

    def __str__(self) -> str:
        return f"user {self.user_id}: {', '.join(self.fields)}"
