"""Serializer fields the apps share."""

from __future__ import annotations

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


class BoundedJSONObjectField(serializers.JSONField):
    """A JSON object of at most ``max_bytes`` (encoded) and ``max_depth`` levels."""

    default_error_messages = {
        "not_object": "Must be a JSON object.",
        "too_large": "Must be at most {max_bytes} bytes as JSON.",
        "too_deep": "Must be nested at most {max_depth} levels deep.",
        "unencodable": "Must hold only JSON values (integers within 64 bits).",
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
        return value
