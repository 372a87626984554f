"""The OpenAPI document's view of what every operation can answer (API.md "System").

drf-spectacular documents the responses a view declares; the error answers come from
layers it cannot see (authentication, permissions, throttles, the parsers, the routing
of ids, the database outage middleware). ``AutoSchema`` adds them to each operation from
the view's own configuration, with one shared component per error body, and types path
ids as the positive integers ``aipal.api.routing`` accepts, so a client generated from
the document, or a schema fuzzer, finds no difference between document and server.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny, IsAdminUser

from aipal.api.fields import TextField
from aipal.api.permissions import IsOwnerOrStaff

__all__ = ["ID_MAXIMUM", "AutoSchema", "JSONObjectFieldExtension", "TextFieldExtension", "drop_serializer_docstrings"]

# The largest id ``aipal.api.routing.ID`` matches: 18 digits, within a bigint.
ID_MAXIMUM = int("9" * 18)
_BODY_METHODS = {"POST", "PUT", "PATCH"}

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": 'Messages by field name ("non_field_errors" for the whole body).',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_COMPONENTS = {"ErrorDetail": _DETAIL, "FieldErrors": _FIELD_ERRORS}
_DESCRIPTIONS = {
    "400": "Invalid input: messages by field, or a detail.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Another user's data, or a staff-only operation.",
    "404": "No such object (or path id).",
    "413": "Request body too large.",
    "415": "Unsupported Content-Type.",
    "429": "Too many requests; retry after Retry-After seconds.",
    "503": "The database is unreachable.",
}
_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Token"}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the error answers and integer path ids of this API."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "path":
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": ID_MAXIMUM}
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            responses.setdefault(code, self._error_response(code))
        return operation

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        if isinstance(field, TextField) and "oneOf" in schema:
            # allow_blank: drf-spectacular wraps a patterned string in a oneOf with a branch
            # for "", which the pattern matches too, so "" would fail the oneOf.
            schema.update(schema.pop("oneOf")[0])

    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        view = self.view
        permissions = [type(p) for p in view.get_permissions()]
        has_body = self.method in _BODY_METHODS and "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        has_path_id = any(p.get("in") == "path" for p in operation.get("parameters", []))
        codes = []
        if has_body or has_query:
            codes.append("400")
        if view.get_authenticators() and AllowAny not in permissions:
            codes.append("401")
        if IsOwnerOrStaff in permissions or IsAdminUser in permissions:
            codes.append("403")
        if has_path_id:
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        if view.get_throttles():
            codes.append("429")
        codes.append("503")
        return codes

    def _error_response(self, code: str) -> dict[str, Any]:
        refs = {}
        for name, schema in _COMPONENTS.items():
            component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            self.registry.register_on_missing(component)
            refs[name] = component.ref
        body = {"anyOf": [refs["FieldErrors"], refs["ErrorDetail"]]} if code == "400" else refs["ErrorDetail"]
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"schema": body}},
        }
        if code in _HEADERS:
            response["headers"] = _HEADERS[code]
        return response


class TextFieldExtension(OpenApiSerializerFieldExtension):
    """A ``TextField``: DRF's string schema plus the pattern of the values the server takes."""

    target_class = "aipal.api.fields.TextField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema["pattern"] = self.target.pattern
        return schema


class JSONObjectFieldExtension(OpenApiSerializerFieldExtension):
    """A ``BoundedJSONObjectField``: a JSON object (DRF's ``JSONField`` would be any value)."""

    target_class = "aipal.api.fields.BoundedJSONObjectField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field = self.target
        return {
            "type": "object",
            "additionalProperties": {},
            "description": (
                f"A JSON object of at most {field.max_bytes} bytes and {field.max_depth} levels; "
                "its strings and keys hold no NUL character."
            ),
        }


def drop_serializer_docstrings(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: serializer docstrings are notes for this code, not for clients."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name not in _COMPONENTS:
            component.pop("description", None)
    return result
