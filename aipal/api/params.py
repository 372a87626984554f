"""Query-parameter validation: bad values are 400 with DRF's field-error shape.

Validation is memoized per (serializer, query string): the query strings of cached
GETs repeat, and the WSGI fast path and the views must turn one query string into the
same parameters, so both go through ``parse_query``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_MEMO_SIZE = 4096


class QueryIntegerField(serializers.IntegerField):
    """An integer in a query string, written in digits only (DRF also takes "1.0", " 5")."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class LimitParams(serializers.Serializer):
    limit = QueryIntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


@lru_cache(maxsize=_MEMO_SIZE)
def _validated(serializer_class: type[serializers.Serializer], query_string: str) -> tuple[tuple, Any]:
    # A plain dict, not the QueryDict: DRF treats "?status=" in form data as absent,
    # but an empty value is a bad value here (400), like any other.
    # WSGI hands the query string over as latin-1 text; Django's request.GET decodes it so.
    serializer = serializer_class(data=QueryDict(query_string.encode("iso-8859-1")).dict())
    if serializer.is_valid():
        return tuple(serializer.validated_data.items()), None
    return (), serializer.errors


def parse_query(serializer_class: type[serializers.Serializer], query_string: str) -> dict[str, Any] | None:
    """Return the validated parameters of ``query_string``, or None when it is invalid."""
    params, errors = _validated(serializer_class, query_string)
    return None if errors else dict(params)


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validate ``request``'s query string with ``serializer_class``; raise 400 on bad input."""
    params, errors = _validated(serializer_class, request.META.get("QUERY_STRING", ""))
    if errors:
        raise ValidationError(errors)
    return dict(params)
