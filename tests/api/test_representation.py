"""The read path renders with plain functions (``*.representation``); the DRF serializers
describe the same shape for the OpenAPI document. They must never drift apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from aipal.cache.encoding import json_bytes
from ari.api.serializers import SnapshotSerializer
from ari.representation import COLUMNS as SNAPSHOT_COLUMNS
from ari.representation import snapshot_data
from ari.selectors import snapshots_with_delta
from goals.api.serializers import GoalSerializer
from goals.representation import goal_data, row_of
from goals.selectors import goals_with_progress
from tasks.api.serializers import TaskSerializer
from tasks.models import Task
from tasks.representation import row_of as task_row_of
from tasks.representation import task_data
from tests.api.factories import GoalFactory, TaskFactory
from tests.factories import SnapshotFactory

pytestmark = pytest.mark.django_db


def test_goals_render_as_their_serializer(user):
    now = timezone.now()
    GoalFactory(user=user, deadline=now + timedelta(days=3), estimated_value=12.5)
    done = GoalFactory(user=user, status="completed", completed_at=now, estimated_value=None)
    TaskFactory.create_batch(2, user=user, goal=done, status="completed")
    for goal in goals_with_progress().filter(user=user):
        assert json_bytes(goal_data(row_of(goal))) == json_bytes(GoalSerializer(goal).data)


def test_tasks_render_as_their_serializer(user, goal):
    now = timezone.now()
    TaskFactory(user=user, goal=goal, result={"score": 3, "notes": ["a"]}, started_at=now, completed_at=now)
    TaskFactory(user=user, goal=None, error_message="boom", result=None)
    for task in Task.objects.filter(user=user):
        assert json_bytes(task_data(task_row_of(task))) == json_bytes(TaskSerializer(task).data)


def test_snapshots_render_as_their_serializer(user):
    now = timezone.now()
    SnapshotFactory(user=user, timestamp=now - timedelta(days=2), engagement=0.3333)
    SnapshotFactory(user=user, timestamp=now - timedelta(days=1), engagement=0.3333)  # delta 0.0, never -0.0
    SnapshotFactory(user=user, timestamp=now, engagement=0.9, task_complexity="expert", task_description="x")
    rows = list(snapshots_with_delta().filter(user=user).values(*SNAPSHOT_COLUMNS))
    instances = {s.id: s for s in snapshots_with_delta().filter(user=user)}
    for row in rows:
        assert json_bytes(snapshot_data(row)) == json_bytes(SnapshotSerializer(instances[row["id"]]).data)


@pytest.mark.parametrize("annotated", [goals_with_progress, snapshots_with_delta])
def test_the_annotated_querysets_are_never_shared(user, annotated):
    """They are built once; a caller that evaluates one must not cache rows for the next."""
    assert list(annotated()) == []
    GoalFactory(user=user)
    SnapshotFactory(user=user)
    assert annotated().count() == 1
