"""ARI endpoints: cached reads (latest, history, predictions), writes that fire ARI_SNAPSHOT_CREATED.

Views stay thin: query strings and bodies are validated by serializers, reads are
``CachedRead``s built by ``ari.selectors``, writes go through ``ari.services``.
"""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.api.views import UserScopedView
from ari import selectors, services
from ari.api.serializers import (
    HistoryParams,
    HistorySerializer,
    PredictionsSerializer,
    SnapshotSerializer,
    SnapshotWriteSerializer,
)


class SnapshotLatestView(UserScopedView):
    cached_read = staticmethod(selectors.ari_latest_read)

    @extend_schema(description="The user's latest snapshot (404 if none).", responses=SnapshotSerializer)
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    @extend_schema(
        description="Record a snapshot; the server computes autonomy_retention and delta_agency.",
        request=SnapshotWriteSerializer,
        responses={201: SnapshotSerializer},
    )
    def post(self, request: Request, user_id: str) -> Response:
        serializer = SnapshotWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        snapshot = services.snapshot_create(user_id=self.target_user_id, **serializer.validated_data)
        data = selectors.snapshot_detail(snapshot=snapshot)
        return Response(data, status=status.HTTP_201_CREATED)


class SnapshotHistoryView(UserScopedView):
    cached_read = staticmethod(selectors.ari_history_read)
    params_class = HistoryParams

    @extend_schema(
        description="The user's snapshots, newest first: at most `limit`, `since` inclusive, `until` exclusive.",
        parameters=[HistoryParams],
        responses=HistorySerializer,
    )
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)


class SnapshotDetailView(UserScopedView):
    @extend_schema(description="Delete a snapshot.", responses={204: None})
    def delete(self, request: Request, user_id: str, snapshot_id: str) -> Response:
        snapshot = selectors.snapshot_get(user_id=self.target_user_id, snapshot_id=int(snapshot_id))
        services.snapshot_delete(snapshot=snapshot)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PredictionsView(UserScopedView):
    cached_read = staticmethod(selectors.predictions_read)

    @extend_schema(
        description="A least-squares trend of autonomy_retention over the latest 30 snapshots.",
        responses=PredictionsSerializer,
    )
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)
