"""Token login and logout, staff user creation, and the (cached) profile."""

from __future__ import annotations

from django.contrib.auth import get_user_model, logout
from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from aipal.accounts import selectors, services, tokens
from aipal.accounts.api.serializers import (
    LoginSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    TokenSerializer,
    UserCreateSerializer,
)
from aipal.api.parsers import JSONParser
from aipal.api.throttling import AnonThrottle, LoginThrottle, login_succeeded
from aipal.api.views import BaseAPIView, UserScopedView
from aipal.timefmt import iso


class TokenView(BaseAPIView):
    """``POST {"username", "password"}`` -> ``{"token", "expires_at"}``: a new token per login; 400 on bad
    credentials, 429 after too many failed logins of that username from that IP."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, LoginThrottle]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        description="Log in: a new token for this device (400 on bad credentials).",
        request=LoginSerializer,
        responses=TokenSerializer,
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        login_succeeded(request)
        token, expires_at = tokens.issue(serializer.validated_data["user"])
        return Response({"token": token, "expires_at": iso(expires_at)})


class LogoutView(BaseAPIView):
    """Revoke the token used for this request, and no other (and end a session, if any)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        description="Revoke the token of this request (and end the session, if any).",
        request=None,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserCreateView(BaseAPIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        description="Create a user (staff only).", request=UserCreateSerializer, responses={201: ProfileSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class ProfileView(UserScopedView):
    """The profile of ``user_id``: cached GET, PATCH fires USER_UPDATED."""

    cached_read = staticmethod(selectors.profile_read)

    @extend_schema(description="A user's profile.", responses=ProfileSerializer)
    def get(self, request: Request, user_id: str) -> HttpResponseBase:
        return self.cached_get(request, self.target_user_id)

    @extend_schema(description="Update a user's profile.", request=ProfileUpdateSerializer, responses=ProfileSerializer)
    def patch(self, request: Request, user_id: str) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = get_user_model().objects.select_related("profile").get(pk=self.target_user_id)
        services.profile_update(user=user, **serializer.validated_data)
        return Response(ProfileSerializer(user).data)


class MeView(ProfileView):
    """``/api/users/me``: the caller's own profile."""

    @property
    def target_user_id(self) -> int:
        return int(self.request.user.pk)

    @extend_schema(description="The caller's own profile.", responses=ProfileSerializer)
    def get(self, request: Request, user_id: str = "") -> HttpResponseBase:
        return super().get(request, user_id)

    @extend_schema(
        description="Update the caller's own profile.", request=ProfileUpdateSerializer, responses=ProfileSerializer
    )
    def patch(self, request: Request, user_id: str = "") -> Response:
        return super().patch(request, user_id)
