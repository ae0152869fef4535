"""The OpenAPI document types every answer: a schema for each success, problem+json for each
error, a typed merge patch for each correction, and a bilingual text and an example for each
operation (integrators generate their clients from it)."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import PROBLEM_JSON, ProblemDetails
from api.routers.merge_patch import MERGE_PATCH_JSON

Operation = tuple[str, str, dict[str, Any]]
METHODS = ("get", "put", "post", "delete", "patch")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/ProblemDetails"}


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def component(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, following one `$ref`."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def untyped(document: dict[str, Any], media_type: str, schema: dict[str, Any]) -> bool:
    """A JSON answer whose schema says nothing of its members (`{}` or a bare object)."""
    if not schema:
        return True
    if "json" not in media_type:
        return False
    shown = component(document, schema)
    if any(key in shown for key in ("anyOf", "oneOf", "allOf")):
        return False
    if shown.get("type") == "array":
        return untyped(document, media_type, shown.get("items", {}))
    return shown.get("type") == "object" and not shown.get("properties")


def offenders(document: dict[str, Any], check: Callable[[dict[str, Any]], list[str]]) -> list[str]:
    return [
        f"{method} {path}: {problem}"
        for method, path, operation in operations(document)
        for problem in check(operation)
    ]


def test_the_document_has_the_operations(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert len(list(operations(document))) >= 57


def test_every_operation_has_a_typed_success_schema(document: dict[str, Any]) -> None:
    def check(operation: dict[str, Any]) -> list[str]:
        successes = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        if not successes:
            return ["no success answer"]
        wrong = []
        for code, response in successes.items():
            content = response.get("content", {})
            if not content and code != "204":
                wrong.append(f"{code} has no content")
            wrong += [
                f"{code} {media_type} is untyped"
                for media_type, body in content.items()
                if untyped(document, media_type, body.get("schema", {}))
            ]
        return wrong

    assert offenders(document, check) == []


def usual_errors(operation: dict[str, Any]) -> set[str]:
    expected = {"429", "500"}
    parameters = operation.get("parameters", [])
    if parameters or "requestBody" in operation:
        expected.add("422")
    if operation.get("security"):
        expected |= {"401", "403"}
    if any(p["in"] == "path" for p in parameters):
        expected.add("404")
    return expected


def test_every_operation_documents_its_errors_as_problem_json(document: dict[str, Any]) -> None:
    def check(operation: dict[str, Any]) -> list[str]:
        responses = operation["responses"]
        errors = {code for code in responses if code[0] in "45"}
        wrong = [f"{code} not documented" for code in sorted(usual_errors(operation) - errors)]
        for code in sorted(errors):
            content = responses[code].get("content", {})
            if content != {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}:
                wrong.append(f"{code} is not problem+json: {sorted(content)}")
            if not CJK.search(responses[code].get("description", "")):
                wrong.append(f"{code} has no Chinese description")
        return wrong

    assert offenders(document, check) == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_problem_schema_is_the_shared_error_shape(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["ProblemDetails"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert problem["additionalProperties"] is True  # 409 adds `id`, the token endpoint `error`
    item = component(document, problem["properties"]["errors"]["items"])
    assert set(item["properties"]) == {"field", "message"}


def test_a_real_error_answer_matches_the_documented_schema(client: TestClient) -> None:
    response = client.get("/v1/births")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = ProblemDetails.model_validate(response.json())
    assert (problem.status, problem.instance) == (401, "/v1/births")


def test_patch_bodies_are_typed_merge_patches(document: dict[str, Any]) -> None:
    patches = [(path, op) for method, path, op in operations(document) if method == "PATCH"]
    assert patches

    wrong = []
    for path, operation in patches:
        content = operation.get("requestBody", {}).get("content", {})
        if MERGE_PATCH_JSON not in content:
            wrong.append(f"{path}: not {MERGE_PATCH_JSON} ({sorted(content)})")
            continue
        schema = component(document, content[MERGE_PATCH_JSON]["schema"])
        if not schema.get("properties") or schema.get("additionalProperties") is not False:
            wrong.append(f"{path}: the patch schema is untyped or open")
        if schema.get("required"):
            wrong.append(f"{path}: a merge patch requires {schema['required']}")
    assert wrong == []


def test_a_patch_schema_allows_null_and_partial_nested_objects(document: dict[str, Any]) -> None:
    birth = document["components"]["schemas"]["BirthPatch"]
    assert {"type": "null"} in birth["properties"]["child_name"]["anyOf"]
    mother = birth["properties"]["mother"]["anyOf"][0]
    assert component(document, mother).get("required") is None  # merged member by member


def test_summaries_and_descriptions_are_in_chinese_and_english(document: dict[str, Any]) -> None:
    def check(operation: dict[str, Any]) -> list[str]:
        return [
            f"{part} is not bilingual"
            for part in ("summary", "description")
            if not (CJK.search(operation.get(part, "")) and LATIN.search(operation.get(part, "")))
        ]

    assert offenders(document, check) == []


def test_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    def check(operation: dict[str, Any]) -> list[str]:
        content = operation.get("requestBody", {}).get("content", {})
        return [
            f"{media_type} has no example"
            for media_type, body in content.items()
            if not (body.get("example") or body.get("examples"))
        ]

    assert offenders(document, check) == []


def test_the_document_answers_at_the_root_and_under_v1(client: TestClient, app: FastAPI) -> None:
    root = client.get("/openapi.json")
    versioned = client.get("/v1/openapi.json")

    assert root.status_code == versioned.status_code == 200
    assert root.json() == versioned.json() == app.openapi()
    assert "/openapi.json" not in root.json()["paths"]  # the document is not an operation


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/v1/births", {"409"}),
        ("patch", "/v1/persons/{record_id}", {"404", "409", "412", "428"}),
        ("post", "/v1/marriages/{record_id}/void", {"404", "409"}),
        ("post", "/v1/births:import", {"413", "415", "503"}),
        ("post", "/v1/persons/lookup", {"404"}),
        ("post", "/oauth/token", {"400", "401"}),
        ("get", "/readyz", {"503"}),
    ],
)
def test_routes_document_the_errors_of_their_own(
    method: str, path: str, statuses: set[str], document: dict[str, Any]
) -> None:
    assert statuses <= set(document["paths"][path][method]["responses"])


def test_a_public_operation_documents_no_authentication_errors(document: dict[str, Any]) -> None:
    responses = document["paths"]["/healthz"]["get"]["responses"]

    assert set(responses) == {"200", "429", "500"}
    assert responses["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
