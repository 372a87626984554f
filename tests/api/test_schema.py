"""The OpenAPI document (API.md "System"): valid, warning-free, and as the server answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from aipal.api.schema import ID_MAXIMUM

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _resolve(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_path_ids_are_positive_integers(schema):
    ids = [p for _, _, op in _operations(schema) for p in op.get("parameters", []) if p["in"] == "path"]
    assert {p["name"] for p in ids} == {"user_id", "goal_id", "task_id", "snapshot_id"}
    for parameter in ids:
        assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": ID_MAXIMUM}


def test_cached_get_lists_every_error_it_can_answer(schema):
    responses = schema["paths"]["/api/users/{user_id}/goals/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "429", "503"} <= set(responses)
    assert "Retry-After" in responses["429"]["headers"]
    assert "WWW-Authenticate" in responses["401"]["headers"]
    detail = _resolve(schema, responses["503"]["content"]["application/json"]["schema"])
    assert detail["required"] == ["detail"]


def test_writes_list_body_errors(schema):
    responses = schema["paths"]["/api/users/{user_id}/tasks/"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "413", "415", "429", "503"} <= set(responses)
    body = responses["400"]["content"]["application/json"]["schema"]
    assert {ref["$ref"] for ref in body["anyOf"]} == {
        "#/components/schemas/FieldErrors",
        "#/components/schemas/ErrorDetail",
    }


def test_system_endpoints_need_no_credentials(schema):
    responses = schema["paths"]["/api/health/"]["get"]["responses"]
    assert "401" not in responses and "429" not in responses
    assert "503" in responses


@pytest.mark.parametrize(
    ("path", "method", "code", "fields"),
    [
        ("/api/users/{user_id}/", "get", "200", {"id", "username", "preferences", "date_joined"}),
        ("/api/users/me/", "get", "200", {"id", "display_name", "learning_style"}),
        ("/api/users/", "post", "201", {"id", "username", "email"}),
        ("/api/users/{user_id}/dashboard/", "get", "200", {"latest_ari", "ari_trend", "goals", "tasks"}),
    ],
)
def test_responses_have_real_schemas(schema, path, method, code, fields):
    body = schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    assert fields <= set(_resolve(schema, body)["properties"])


def test_query_parameters_carry_the_server_constraints(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/users/{user_id}/ari/history/"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["minimum"] == 1
    assert parameters["limit"]["schema"]["maximum"] == 1000
    assert parameters["since"]["schema"]["format"] == "date-time"


def test_components_carry_no_code_notes(schema):
    notes = {name for name, component in schema["components"]["schemas"].items() if "``" in str(component)}
    assert not notes


def test_descriptions_are_one_line_for_clients(schema):
    for path, method, operation in _operations(schema):
        description = operation.get("description", "")
        assert description and "\n" not in description, (method, path, description)


def test_text_and_object_fields_state_what_the_server_takes(schema):
    components = schema["components"]["schemas"]
    description = components["GoalWrite"]["properties"]["description"]
    assert description["maxLength"] == 2000
    assert description["pattern"] == r"^[^\x00]*[^\s\x00][^\x00]*$"  # not blank once trimmed, no NUL
    display_name = components["PatchedProfileUpdate"]["properties"]["display_name"]
    assert display_name["pattern"] == r"^[^\x00]*$"  # may be blank, no NUL
    assert "oneOf" not in display_name  # "" would match both of drf-spectacular's branches
    assert components["PatchedProfileUpdate"]["properties"]["preferences"]["type"] == "object"
