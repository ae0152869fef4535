"""GET /v1/feed: the change feed over HTTP."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import birth_body, ultrasound_exam_body

Headers = Callable[..., dict[str, str]]


def register_birth(client: TestClient, auth_headers: Headers, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/births", json=birth_body(**overrides), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_subscriber_follows_the_feed_with_its_cursor(
    client: TestClient, auth_headers: Headers
) -> None:
    births = [register_birth(client, auth_headers) for _ in range(3)]
    headers = auth_headers("public_security")
    first = client.get("/v1/feed", params={"limit": 2}, headers=headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["has_more"] is True
    event = page["items"][0]
    assert set(event) == {"seq", "type", "occurred_at", "resource", "id", "region", "data"}
    assert (event["type"], event["resource"], event["id"]) == (
        "birth.registered",
        "births",
        births[0]["id"],
    )
    assert event["region"] == births[0]["birth_region"]
    assert event["occurred_at"].endswith("+08:00")
    assert event["data"]["certificate_no"] == births[0]["certificate_no"]
    rest = client.get("/v1/feed", params={"after": page["next_cursor"]}, headers=headers).json()
    assert [e["id"] for e in page["items"] + rest["items"]] == [b["id"] for b in births]
    assert rest["has_more"] is False
    assert rest["next_cursor"]


def test_types_are_a_comma_separated_list(client: TestClient, auth_headers: Headers) -> None:
    birth = register_birth(client, auth_headers)
    client.post(
        f"/v1/births/{birth['id']}/void",
        json={"reason": "重复登记"},
        headers=auth_headers("maternal_health"),
    )
    response = client.get(
        "/v1/feed",
        params={"types": "birth.voided, marriage.recorded"},
        headers=auth_headers("public_security"),
    )
    assert [e["type"] for e in response.json()["items"]] == ["birth.voided"]


def test_ultrasound_events_are_only_for_maternal_health(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.post(
        "/v1/ultrasound-exams", json=ultrasound_exam_body(), headers=auth_headers("maternal_health")
    )
    assert response.status_code == 201
    mine = client.get("/v1/feed", headers=auth_headers("maternal_health")).json()["items"]
    assert [e["type"] for e in mine] == ["ultrasound_exam.recorded"]
    for department in ("admin", "health_commission", "public_security"):
        assert client.get("/v1/feed", headers=auth_headers(department)).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "not-a-cursor"}, "after"),
        ({"types": "births"}, "types"),
        ({"types": "birth.registered;drop"}, "types"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
    ],
)
def test_bad_parameters_are_refused_naming_them(
    client: TestClient, auth_headers: Headers, params: dict[str, Any], field: str
) -> None:
    response = client.get("/v1/feed", params=params, headers=auth_headers("public_security"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_feed_needs_a_token_with_feed_read(client: TestClient, auth_headers: Headers) -> None:
    assert client.get("/v1/feed").status_code == 401
    assert client.get("/v1/feed", headers=auth_headers("auditor")).status_code == 403
