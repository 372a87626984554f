"""Goal representation and validation of goal writes."""

from __future__ import annotations

from rest_framework import serializers

from aipal.api.fields import FiniteFloatField, IntegerField, TextField
from aipal.api.params import LimitParams
from goals.models import ComplexityLevel, Goal, GoalStatus
from goals.representation import FIELDS


class GoalSerializer(serializers.ModelSerializer):
    """A goal as the API returns it; expects ``tasks_total``/``tasks_completed`` annotations."""

    user_id = serializers.IntegerField(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = [*FIELDS, "progress"]
        read_only_fields = fields

    def get_progress(self, goal: Goal) -> dict[str, int]:
        return {
            "tasks_total": getattr(goal, "tasks_total", 0),
            "tasks_completed": getattr(goal, "tasks_completed", 0),
        }


class GoalWriteSerializer(serializers.Serializer):
    """Fields a client may set. ``partial=True`` for PATCH."""

    description = TextField(max_length=2000)
    importance = IntegerField(min_value=1, max_value=10, required=False)
    complexity_level = serializers.ChoiceField(choices=ComplexityLevel.choices, required=False)
    estimated_value = FiniteFloatField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    deadline = serializers.DateTimeField(allow_null=True, required=False)


class GoalListParams(LimitParams):
    status = serializers.ChoiceField(choices=[*GoalStatus.values, "all"], default=GoalStatus.ACTIVE)
