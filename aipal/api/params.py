"""Query-parameter validation: bad values are 400 with DRF's field-error shape."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class QueryIntegerField(serializers.IntegerField):
    """An integer in a query string, written in digits only (DRF also takes "1.0", " 5")."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class LimitParams(serializers.Serializer):
    limit = QueryIntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validate ``request``'s query string with ``serializer_class``; raise 400 on bad input."""
    # A plain dict, not the QueryDict: DRF treats "?status=" in form data as absent,
    # but an empty value is a bad value here (400), like any other.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
