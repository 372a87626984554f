"""The dashboard's response shape, for the OpenAPI document (the body is built by the selectors)."""

from __future__ import annotations

from rest_framework import serializers

from ari.api.serializers import SnapshotSerializer


class AriTrendSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average_autonomy_retention = serializers.FloatField(allow_null=True)
    delta_7d = serializers.FloatField(allow_null=True)


class GoalCountsSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    completed = serializers.IntegerField()
    abandoned = serializers.IntegerField()


class TaskCountsSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """One user's figures: latest snapshot, ARI trend, goals and tasks by status."""

    user_id = serializers.IntegerField()
    latest_ari = SnapshotSerializer(allow_null=True)
    ari_trend = AriTrendSerializer()
    goals = GoalCountsSerializer()
    tasks = TaskCountsSerializer()
    generated_at = serializers.DateTimeField()
