"""Task representation and validation of task writes."""

from __future__ import annotations

from rest_framework import serializers

from aipal.api.fields import BoundedJSONObjectField, IntegerField, TextField
from aipal.api.params import LimitParams, QueryIntegerField
from tasks.models import Task, TaskStatus
from tasks.representation import COLUMNS


class TaskSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    goal_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = list(COLUMNS)
        read_only_fields = fields


class TaskWriteSerializer(serializers.Serializer):
    """Fields a client may set; ``goal_id`` must name a goal of the same user (checked by the view)."""

    title = TextField(max_length=500)
    task_type = TextField(max_length=50, required=False)
    priority = IntegerField(min_value=1, max_value=10, required=False)
    goal_id = IntegerField(min_value=1, max_value=2**63 - 1, allow_null=True, required=False)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    result = BoundedJSONObjectField(allow_null=True, required=False)
    error_message = TextField(max_length=2000, allow_null=True, allow_blank=True, required=False)


class TaskCreateSerializer(TaskWriteSerializer):
    """A new task starts ``pending``: its status is not a client's to set."""

    status = None


class TaskListParams(LimitParams):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    goal_id = QueryIntegerField(min_value=1, max_value=2**63 - 1, required=False)
