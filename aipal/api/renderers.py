"""JSON rendering with the cache's encoder, so DRF responses and cached bodies are byte-identical.

Compact unless asked otherwise: the browsable API asks for an indent (DRF passes
``renderer_context["indent"]``), and so may a client with ``Accept: application/json;
indent=2``. orjson indents by two spaces only, so any indent above 0 gives two. Cached
GETs answer their stored compact bytes whatever the Accept header says (the cache keeps
one body per read), so an indent only ever changes bodies that are rendered per request.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils.http import parse_header_parameters
from rest_framework.renderers import BaseRenderer

from aipal.cache.encoding import json_bytes, json_bytes_indented

__all__ = ["ORJSONRenderer"]


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        if self.indent(accepted_media_type, renderer_context or {}):
            return json_bytes_indented(data)
        return json_bytes(data)

    @staticmethod
    def indent(accepted_media_type: str | None, renderer_context: dict[str, Any]) -> int:
        """The indent asked for (DRF's rule): the media type's ``indent=`` parameter, else
        the context's ``indent``; 0 (compact) when neither says a positive number."""
        if accepted_media_type:
            _, params = parse_header_parameters(accepted_media_type)
            with contextlib.suppress(KeyError, ValueError, TypeError):
                return max(int(params["indent"]), 0)
        try:
            return max(int(renderer_context.get("indent") or 0), 0)
        except (TypeError, ValueError):
            return 0
