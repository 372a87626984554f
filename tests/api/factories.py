"""factory_boy factories for goals and tasks, used by the API contract tests."""

from __future__ import annotations

import factory

from goals.models import Goal
from tasks.models import Task
from tests.factories import UserFactory


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    user = factory.SubFactory(UserFactory)
    description = factory.Sequence(lambda n: f"Goal number {n}")
    importance = 5


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Task number {n}")
