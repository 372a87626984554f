"""Serializer fields the apps share."""

from __future__ import annotations

import math
from typing import Any

import orjson
from rest_framework import serializers

MAX_JSON_BYTES = 16 * 1024
MAX_JSON_DEPTH = 5


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _has_null_character(value: Any) -> bool:
    """Whether a string in ``value`` (key or item) holds U+0000, which PostgreSQL's jsonb refuses."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null_character(k) or _has_null_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_null_character(v) for v in value)
    return False


class BoundedJSONObjectField(serializers.JSONField):
    """A JSON object of at most ``max_bytes`` (encoded) and ``max_depth`` levels."""

    default_error_messages = {
        "not_object": "Must be a JSON object.",
        "too_large": "Must be at most {max_bytes} bytes as JSON.",
        "too_deep": "Must be nested at most {max_depth} levels deep.",
        "unencodable": "Must hold only JSON values (integers within 64 bits).",
        "null_character": "Null characters are not allowed.",
    }

    def __init__(self, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH, **kwargs: Any) -> None:
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        try:
            encoded = orjson.dumps(value)
        except orjson.JSONEncodeError:
            self.fail("unencodable")
        if len(encoded) > self.max_bytes:
            self.fail("too_large", max_bytes=self.max_bytes)
        if _depth(value) > self.max_depth:
            self.fail("too_deep", max_depth=self.max_depth)
        if _has_null_character(value):
            self.fail("null_character")
        return value


class IntegerField(serializers.IntegerField):
    """DRF's ``IntegerField`` that refuses booleans (``true`` is not a priority of 1)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class FiniteFloatField(serializers.FloatField):
    """DRF's ``FloatField`` that refuses booleans, NaN and infinities."""

    default_error_messages = {"not_finite": "Must be a finite number."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class TextField(serializers.CharField):
    """A JSON string (DRF's ``CharField`` also turns numbers into text), its length counted as sent.

    DRF trims surrounding whitespace before it checks ``max_length``; here the string as
    sent must fit, so the limit is the one the OpenAPI document states. The document also
    shows a ``pattern``: no NUL character (DRF refuses them), and for a field that may not
    be blank at least one character that is not whitespace; ``schema_pattern`` replaces it
    where the serializer checks more (the serializer does the checking, not the pattern).
    """

    def __init__(self, *, schema_pattern: str | None = None, **kwargs: Any) -> None:
        self.schema_pattern = schema_pattern
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)

    @property
    def pattern(self) -> str:
        """The pattern of a valid value, as the OpenAPI document shows it."""
        if self.schema_pattern:
            return self.schema_pattern
        if self.allow_blank:
            return r"^[^\x00]*$"
        return r"^[^\x00]*[^\s\x00][^\x00]*$" if self.trim_whitespace else r"^[^\x00]+$"
