"""Task endpoints: cached list and detail reads; every write fires TASK_COMPLETED."""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.api.views import UserScopedView
from tasks import selectors, services
from tasks.api.serializers import TaskCreateSerializer, TaskListParams, TaskSerializer, TaskWriteSerializer
from tasks.representation import row_of, task_data


class TaskListView(UserScopedView):
    cached_read = staticmethod(selectors.task_list_read)
    params_class = TaskListParams

    @extend_schema(
        description="The user's tasks, newest first, optionally of one status or goal.",
        parameters=[TaskListParams],
        responses=TaskSerializer(many=True),
    )
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    @extend_schema(
        description="Create a task (status pending).", request=TaskCreateSerializer, responses={201: TaskSerializer}
    )
    def post(self, request: Request, user_id: str) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_create(user_id=self.target_user_id, **serializer.validated_data)
        return Response(task_data(row_of(task)), status=status.HTTP_201_CREATED)


class TaskDetailView(UserScopedView):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    cached_read = staticmethod(selectors.task_detail_read)

    @extend_schema(description="A task.", responses=TaskSerializer)
    def get(self, request: Request, user_id: str, task_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    @extend_schema(
        description="Update a task; status moves pending -> running -> completed | failed, failed -> pending.",
        request=TaskWriteSerializer,
        responses=TaskSerializer,
    )
    def patch(self, request: Request, user_id: str, task_id: str) -> Response:
        with services.task_locked(user_id=self.target_user_id, task_id=int(task_id)) as task:  # 404 before 400
            serializer = TaskWriteSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            services.task_update(task=task, **serializer.validated_data)
        return Response(task_data(row_of(task)))

    @extend_schema(description="Delete a task.", responses={204: None})
    def delete(self, request: Request, user_id: str, task_id: str) -> Response:
        services.task_delete(task=selectors.task_get(user_id=self.target_user_id, task_id=int(task_id)))
        return Response(status=status.HTTP_204_NO_CONTENT)
