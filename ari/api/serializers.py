"""ARI snapshot representation, validation of snapshot writes and of history queries.

Dimensions are strict: a JSON number in [0, 1]. DRF's ``FloatField`` would also take
``"0.5"`` and ``true``; a snapshot is a measurement, so those are refused as input errors.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from rest_framework import serializers

from aipal.api.fields import TextField
from aipal.api.params import LimitParams
from ari.models import ARISnapshot, TaskComplexity
from ari.representation import COLUMNS

__all__ = [
    "HistoryParams",
    "HistorySerializer",
    "PredictionsSerializer",
    "RoundedFloatField",
    "SnapshotSerializer",
    "SnapshotWriteSerializer",
    "UnitIntervalField",
]


class UnitIntervalField(serializers.FloatField):
    """A finite JSON number (not a boolean, not a string) in [0, 1]."""

    default_error_messages = {"not_number": "Must be a number, not {kind}."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0.0, max_value=1.0, **kwargs)

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("not_number", kind=type(data).__name__)
        return super().to_internal_value(data)


class RoundedFloatField(serializers.FloatField):
    """A read-only float rounded for display (``-0.0`` shown as ``0.0``)."""

    def __init__(self, *, digits: int, **kwargs: Any) -> None:
        self.digits = digits
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> float:
        return round(float(value), self.digits) + 0.0


class SnapshotSerializer(serializers.ModelSerializer):
    """A snapshot as the API returns it; expects the ``delta_agency`` annotation of the selectors."""

    user_id = serializers.IntegerField(read_only=True)
    timestamp = serializers.DateTimeField(read_only=True, default_timezone=UTC)
    delta_agency = RoundedFloatField(digits=2)

    class Meta:
        model = ARISnapshot
        fields = list(COLUMNS)
        read_only_fields = fields


class SnapshotWriteSerializer(serializers.Serializer):
    """Fields a client sends to record a snapshot; the server computes the rest."""

    timestamp = serializers.DateTimeField(required=False, default_timezone=UTC)
    decision_quality = UnitIntervalField()
    skill_development = UnitIntervalField()
    ai_reliance = UnitIntervalField()
    bottleneck_resolution = UnitIntervalField()
    user_confidence = UnitIntervalField()
    engagement = UnitIntervalField()
    autonomy_perception = UnitIntervalField()
    task_description = TextField(max_length=2000, allow_blank=True, required=False, default="")
    task_complexity = serializers.ChoiceField(
        choices=TaskComplexity.choices, allow_null=True, required=False, default=None
    )


class HistoryParams(LimitParams):
    """``limit`` 1..1000; ``since`` inclusive, ``until`` exclusive; naive datetimes are UTC."""

    since = serializers.DateTimeField(required=False, default_timezone=UTC)
    until = serializers.DateTimeField(required=False, default_timezone=UTC)


class HistorySerializer(serializers.Serializer):
    """Shape of the history response (for the OpenAPI schema)."""

    user_id = serializers.IntegerField()
    count = serializers.IntegerField()
    results = SnapshotSerializer(many=True)


class PredictionsSerializer(serializers.Serializer):
    """Shape of the predictions response (for the OpenAPI schema)."""

    user_id = serializers.IntegerField()
    based_on = serializers.IntegerField()
    trend_per_day = serializers.FloatField(allow_null=True)
    next_autonomy_retention = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    generated_at = serializers.DateTimeField()
