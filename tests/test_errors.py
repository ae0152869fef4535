"""Every error is RFC 9457 problem+json with the fields that went wrong (interface §1)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import OperationalError

from api.errors import Conflict, field_path

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "errors"}


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("https://")
    return body


class Mother(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_number: str
    name: str


class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    certificate_no: str
    mother: Mother


def test_unknown_path_is_404_problem_naming_the_path(client: TestClient) -> None:
    body = problem(client.get("/v1/nowhere"), 404)
    assert body["instance"] == "/v1/nowhere"
    assert body["type"].endswith("/not-found")


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.get("/oauth/token")
    body = problem(response, 405)
    assert body["type"].endswith("/method-not-allowed")
    assert "POST" in response.headers["allow"]


def test_missing_form_field_is_422_naming_the_field(client: TestClient) -> None:
    body = problem(client.post("/oauth/token", data={}), 422)
    assert [e["field"] for e in body["errors"]] == ["grant_type"]
    assert "grant_type" in body["detail"]


def test_nested_body_errors_name_the_dotted_field_and_unknown_fields(
    app: FastAPI, client: TestClient
) -> None:
    @app.post("/test/echo")
    def echo(body: Echo) -> dict[str, str]:
        return {"ok": body.certificate_no}

    response = client.post(
        "/test/echo",
        json={"certificate_no": "Q420200001", "mother": {"name": "王芳"}, "fetal_sex": "male"},
    )
    body = problem(response, 422)
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"mother.id_number", "fetal_sex"}
    assert fields["fetal_sex"] == "unknown field"


def test_error_messages_do_not_echo_the_submitted_value(app: FastAPI, client: TestClient) -> None:
    @app.post("/test/echo")
    def echo(body: Echo) -> dict[str, str]:
        return {"ok": body.certificate_no}

    response = client.post("/test/echo", json={"certificate_no": 420202199503040040})
    assert "420202199503040040" not in response.text


def test_malformed_json_is_422_not_500(app: FastAPI, client: TestClient) -> None:
    @app.post("/test/echo")
    def echo(body: Echo) -> dict[str, str]:
        return {"ok": body.certificate_no}

    response = client.post(
        "/test/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    problem(response, 422)


def test_a_raised_problem_keeps_its_status_and_extra_members(
    app: FastAPI, client: TestClient
) -> None:
    @app.get("/test/conflict")
    def conflict() -> None:
        raise Conflict("The certificate number exists.", id="0f8e")

    body = problem(client.get("/test/conflict"), 409)
    assert body["id"] == "0f8e"
    assert body["detail"] == "The certificate number exists."


def test_an_unexpected_error_is_a_500_problem_that_reveals_nothing(app: FastAPI) -> None:
    @app.get("/test/crash")
    def crash() -> None:
        raise RuntimeError("secret internals 420202199503040040")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test/crash")
    body = problem(response, 500)
    assert "secret internals" not in response.text
    assert body["type"].endswith("/internal-error")


def test_a_lost_database_connection_is_a_503_problem_to_retry(app: FastAPI) -> None:
    @app.get("/test/database-gone")
    def gone() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test/database-gone")
    body = problem(response, 503)
    assert body["type"].endswith("/database-unavailable")
    assert response.headers["retry-after"] == "5"
    assert "SELECT" not in response.text


def test_field_path_drops_the_location_prefix() -> None:
    assert field_path(("body", "mother", "id_number")) == "mother.id_number"
    assert field_path(("body", "children", 1, "name")) == "children.1.name"
    assert field_path(("body",)) == "body"


def test_a_body_that_does_not_parse_is_named_body_not_by_position() -> None:
    from api.errors import validation_errors

    raw = [{"type": "json_invalid", "loc": ("body", 19), "msg": "JSON decode error"}]
    assert validation_errors(raw) == [{"field": "body", "message": "the body is not valid JSON"}]


def test_a_model_rule_names_its_field() -> None:
    import pytest
    from pydantic import BaseModel, ValidationError, model_validator

    from api.errors import field_rule, validation_errors

    class Sample(BaseModel):
        low: int
        high: int

        @model_validator(mode="after")
        def _ordered(self) -> "Sample":
            if self.low > self.high:
                raise field_rule("high", "high must not be below low")
            return self

    with pytest.raises(ValidationError) as refused:
        Sample(low=2, high=1)
    assert validation_errors(refused.value.errors()) == [
        {"field": "high", "message": "high must not be below low"}
    ]


def test_a_field_name_with_control_characters_is_echoed_escaped() -> None:
    assert field_path(("body", "a\x00b", "\ud800")) == "a\\x00b.\\ud800"
