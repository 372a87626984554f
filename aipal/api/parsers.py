"""Request parsers: DRF's JSON parser, with JSON nested too deep for the decoder a 400."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

__all__ = ["JSONParser"]


class JSONParser(parsers.JSONParser):
    """Parse JSON like DRF; a body nested past the decoder's recursion limit is a ParseError.

    NOTE: Python's ``json`` raises ``RecursionError`` (not ``ValueError``) for a body such as
    ``[[[[...]]]]`` a thousand levels deep; DRF's parser lets it escape as a 500.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
