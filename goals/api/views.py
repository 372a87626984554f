"""Goal endpoints: cached list and detail reads, writes that fire GOAL_* events."""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.api.views import UserScopedView
from goals import selectors, services
from goals.api.serializers import GoalListParams, GoalSerializer, GoalWriteSerializer
from goals.representation import goal_data, row_of


class GoalListView(UserScopedView):
    cached_read = staticmethod(selectors.goal_list_read)
    params_class = GoalListParams

    @extend_schema(
        description="The user's goals of one status, newest first.",
        parameters=[GoalListParams],
        responses=GoalSerializer(many=True),
    )
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    @extend_schema(description="Create a goal.", request=GoalWriteSerializer, responses={201: GoalSerializer})
    def post(self, request: Request, user_id: str) -> Response:
        serializer = GoalWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        goal = services.goal_create(user_id=self.target_user_id, **serializer.validated_data)
        return Response(goal_data(row_of(goal)), status=status.HTTP_201_CREATED)


class GoalDetailView(UserScopedView):
    cached_read = staticmethod(selectors.goal_detail_read)

    @extend_schema(description="A goal.", responses=GoalSerializer)
    def get(self, request: Request, user_id: str, goal_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    def _write(self, request: Request, goal_id: str, *, partial: bool) -> Response:
        with services.goal_locked(user_id=self.target_user_id, goal_id=int(goal_id)) as goal:  # 404 before 400
            serializer = GoalWriteSerializer(data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            services.goal_update(goal=goal, **serializer.validated_data)
        return Response(goal_data(row_of(goal)))

    @extend_schema(
        description="Replace a goal's writable fields.", request=GoalWriteSerializer, responses=GoalSerializer
    )
    def put(self, request: Request, user_id: str, goal_id: str) -> Response:
        return self._write(request, goal_id, partial=False)

    @extend_schema(description="Update some of a goal's fields.", request=GoalWriteSerializer, responses=GoalSerializer)
    def patch(self, request: Request, user_id: str, goal_id: str) -> Response:
        return self._write(request, goal_id, partial=True)

    @extend_schema(description="Delete a goal; its tasks are kept with goal_id null.", responses={204: None})
    def delete(self, request: Request, user_id: str, goal_id: str) -> Response:
        services.goal_delete(goal=selectors.goal_get(user_id=self.target_user_id, goal_id=int(goal_id)))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoalCompleteView(UserScopedView):
    @extend_schema(
        description="Mark a goal completed (a no-op if it already is).", request=None, responses=GoalSerializer
    )
    def post(self, request: Request, user_id: str, goal_id: str) -> Response:
        with services.goal_locked(user_id=self.target_user_id, goal_id=int(goal_id)) as goal:
            services.goal_complete(goal=goal)
        return Response(goal_data(row_of(goal)))
