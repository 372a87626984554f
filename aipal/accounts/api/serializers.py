"""Profile representation and the validation of profile and user writes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from aipal.api.fields import BoundedJSONObjectField, TextField
from aipal.timefmt import iso

# auth.User.email is a varchar(254): a longer address must be a 400, not a database error.
EMAIL_MAX_LENGTH = 254


class ProfileSerializer(serializers.Serializer):
    """A user as the API shows it: auth fields plus the profile (defaults if none yet).

    The declared fields describe the response in the OpenAPI document; the body itself
    is built by ``to_representation``.
    """

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    learning_style = serializers.CharField(read_only=True, allow_null=True)
    preferences = serializers.DictField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)

    def to_representation(self, user: Any) -> dict[str, Any]:
        profile = getattr(user, "profile", None) if _has_profile(user) else None
        return {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "display_name": profile.display_name if profile else "",
            "learning_style": profile.learning_style if profile else None,
            "preferences": profile.preferences if profile else {},
            "date_joined": iso(user.date_joined),
        }


def _has_profile(user: Any) -> bool:
    try:
        user.profile  # noqa: B018
    except get_user_model().profile.RelatedObjectDoesNotExist:
        return False
    return True


class LoginSerializer(serializers.Serializer):
    """``{"username", "password"}``: the user they name, if active; else a 400."""

    # DRF's CharField: a username sent as a number is looked up as text (aipal.api.throttling).
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(self.context.get("request"), username=attrs["username"], password=attrs["password"])
        if user is None:  # unknown, wrong password or inactive: one answer for all three
            raise serializers.ValidationError("Unable to log in with provided credentials.", code="authorization")
        return {"user": user}


class TokenSerializer(serializers.Serializer):
    """A new token (shown once) and when it expires (null: never)."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ProfileUpdateSerializer(serializers.Serializer):
    display_name = TextField(max_length=150, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, allow_blank=True, required=False)
    learning_style = TextField(max_length=50, allow_null=True, allow_blank=True, required=False)
    preferences = BoundedJSONObjectField(required=False)


class UserCreateSerializer(serializers.Serializer):
    # The pattern of Django's username validator, which validate_username applies.
    username = TextField(max_length=150, schema_pattern=r"^[\w.@+-]+$")
    password = TextField(write_only=True, min_length=8, max_length=128)
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, allow_blank=True, required=False, default="")

    def validate_username(self, value: str) -> str:
        user_model = get_user_model()
        try:
            user_model.username_validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        if user_model.objects.filter(username=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        candidate = get_user_model()(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs
