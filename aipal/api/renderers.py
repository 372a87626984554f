"""JSON rendering with the cache's encoder, so DRF responses and cached bodies are byte-identical."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from aipal.cache.encoding import json_bytes

__all__ = ["ORJSONRenderer"]


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return json_bytes(data)
