"""Plain DRF views of the API's benchmarked routes; ``BASELINE=naive`` adds a naive cache-aside
(django-redis get/set in the views, delete on write)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import JsonResponse
from rest_framework import status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aipal.accounts.api.serializers import ProfileSerializer
from aipal.api.params import query_params
from aipal.dashboard.selectors import dashboard
from ari import selectors as ari_selectors
from ari import services as ari_services
from ari.api.serializers import HistoryParams, SnapshotSerializer, SnapshotWriteSerializer
from goals import services as goal_services
from goals.api.serializers import GoalListParams, GoalSerializer, GoalWriteSerializer
from goals.selectors import goals_with_progress
from tasks import services as task_services
from tasks.api.serializers import TaskCreateSerializer, TaskListParams, TaskSerializer, TaskWriteSerializer
from tasks.models import Task as TaskModel

TTL = 300
# The keys the naive pattern deletes when a user writes (its default views only).
WRITE_KEYS = ("goals:{u}", "tasks:{u}", "dashboard:{u}", "ari:{u}", "history:{u}", "predictions:{u}", "profile:{u}")


class IsOwnerOrStaff(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_staff or request.user.id == int(view.kwargs["user_id"])


class UserView(APIView):
    permission_classes = [IsOwnerOrStaff]

    def cached(self, key: str, load: Any) -> Response:
        """Naive: cache.get, else load and cache.set; plain: load."""
        if settings.BASELINE != "naive":
            return Response(load())
        data = cache.get(key)
        if data is None:
            data = load()
            cache.set(key, data, TTL)
        return Response(data)

    def written(self, user_id: int, *objects: str) -> None:
        """Naive: delete the user's keys after the write."""
        if settings.BASELINE == "naive":
            cache.delete_many([k.format(u=user_id) for k in WRITE_KEYS] + list(objects))


class Profile(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        users = get_user_model().objects.select_related("profile")
        return self.cached(f"profile:{user_id}", lambda: ProfileSerializer(get_object_or_404(users, pk=user_id)).data)


def _snapshots(user_id: str) -> Any:
    return ari_selectors.snapshots_with_delta().filter(user_id=user_id).order_by(*ari_selectors.NEWEST_FIRST)


class AriLatest(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        load = lambda: SnapshotSerializer(get_object_or_404(_snapshots(user_id)[:1])).data  # noqa: E731
        return self.cached(f"ari:{user_id}", load)

    def post(self, request: Request, user_id: str) -> Response:
        serializer = SnapshotWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snapshot = ari_services.snapshot_create(user_id=int(user_id), **serializer.validated_data)
        self.written(int(user_id))
        return Response(ari_selectors.snapshot_detail(snapshot=snapshot), status=status.HTTP_201_CREATED)


class AriHistory(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        params = query_params(HistoryParams, request)

        def load() -> dict[str, Any]:
            snapshots = _snapshots(user_id)
            if params.get("since"):
                snapshots = snapshots.filter(timestamp__gte=params["since"])
            if params.get("until"):
                snapshots = snapshots.filter(timestamp__lt=params["until"])
            results = SnapshotSerializer(snapshots[: params["limit"]], many=True).data
            return {"user_id": int(user_id), "count": len(results), "results": results}

        return self.cached(f"history:{user_id}", load)


class Predictions(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        return self.cached(f"predictions:{user_id}", lambda: ari_selectors.predictions(user_id=int(user_id)))


class Dashboard(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        return self.cached(f"dashboard:{user_id}", lambda: dashboard(user_id=int(user_id)))


class Goals(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        params = query_params(GoalListParams, request)

        def load() -> list[Any]:
            goals = goals_with_progress().filter(user_id=user_id).order_by("-created_at", "-id")
            if params["status"] != "all":
                goals = goals.filter(status=params["status"])
            return GoalSerializer(goals[: params["limit"]], many=True).data

        return self.cached(f"goals:{user_id}", load)

    def post(self, request: Request, user_id: str) -> Response:
        serializer = GoalWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = goal_services.goal_create(user_id=int(user_id), **serializer.validated_data)
        self.written(int(user_id))
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class Goal(UserView):
    def get(self, request: Request, user_id: str, goal_id: str) -> Response:
        goals = goals_with_progress().filter(user_id=user_id)
        load = lambda: GoalSerializer(get_object_or_404(goals, pk=goal_id)).data  # noqa: E731
        return self.cached(f"goal:{goal_id}", load)

    def patch(self, request: Request, user_id: str, goal_id: str) -> Response:
        with goal_services.goal_locked(user_id=int(user_id), goal_id=int(goal_id)) as goal:
            serializer = GoalWriteSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            goal_services.goal_update(goal=goal, **serializer.validated_data)
        self.written(int(user_id), f"goal:{goal_id}")
        return Response(GoalSerializer(goal).data)


class Tasks(UserView):
    def get(self, request: Request, user_id: str) -> Response:
        params = query_params(TaskListParams, request)

        def load() -> list[Any]:
            tasks = TaskModel.objects.filter(user_id=user_id).order_by("-created_at", "-id")
            if params.get("status"):
                tasks = tasks.filter(status=params["status"])
            if params.get("goal_id"):
                tasks = tasks.filter(goal_id=params["goal_id"])
            return TaskSerializer(tasks[: params["limit"]], many=True).data

        return self.cached(f"tasks:{user_id}", load)

    def post(self, request: Request, user_id: str) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_services.task_create(user_id=int(user_id), **serializer.validated_data)
        self.written(int(user_id), f"goal:{task.goal_id}")
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class Task(UserView):
    def get(self, request: Request, user_id: str, task_id: str) -> Response:
        tasks = TaskModel.objects.filter(user_id=user_id)
        load = lambda: TaskSerializer(get_object_or_404(tasks, pk=task_id)).data  # noqa: E731
        return self.cached(f"task:{task_id}", load)

    def patch(self, request: Request, user_id: str, task_id: str) -> Response:
        with task_services.task_locked(user_id=int(user_id), task_id=int(task_id)) as task:
            serializer = TaskWriteSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            task_services.task_update(task=task, **serializer.validated_data)
        self.written(int(user_id), f"task:{task_id}", f"goal:{task.goal_id}")
        return Response(TaskSerializer(task).data)


def health(request: Any) -> JsonResponse:
    return JsonResponse({"status": "ok"})
