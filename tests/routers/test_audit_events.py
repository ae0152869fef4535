"""GET /v1/audit-events, and the denied attempts every /v1 refusal leaves in the log."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import birth_body

Headers = Callable[..., dict[str, str]]
URL = "/v1/audit-events"


def register_birth(client: TestClient, auth_headers: Headers) -> dict[str, Any]:
    response = client.post("/v1/births", json=birth_body(), headers=auth_headers("maternal_health"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def events(
    client: TestClient, auth_headers: Headers, region: str = "420200", **params: Any
) -> list[dict[str, Any]]:
    response = client.get(URL, params=params, headers=auth_headers("auditor", region))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_auditors_read_who_did_what_to_which_record(
    client: TestClient, auth_headers: Headers
) -> None:
    birth = register_birth(client, auth_headers)
    client.get(
        f"/v1/births/{birth['id']}",
        headers={**auth_headers("public_security"), "X-Case-Id": "HJ-2026-0001"},
    )
    found = events(client, auth_headers, record_id=birth["id"])
    assert [(e["department"], e["action"]) for e in found] == [
        ("public_security", "read"),
        ("maternal_health", "create"),
    ]
    read = found[0]
    assert read["purpose"] == "household-registration"
    assert read["case_id"] == "HJ-2026-0001"
    assert read["outcome"] == "success"
    assert read["occurred_at"].endswith("+08:00")
    assert read["record_ids"] == [birth["id"]]
    assert {"chain", "chain_seq", "hash", "actor", "actor_type", "region"} <= set(read)


def test_the_log_pages_newest_first_and_filters(client: TestClient, auth_headers: Headers) -> None:
    for _ in range(3):
        register_birth(client, auth_headers)
    first = client.get(
        URL, params={"action": "create", "limit": 2}, headers=auth_headers("auditor")
    ).json()
    rest = client.get(
        URL,
        params={"action": "create", "limit": 2, "cursor": first["next_cursor"]},
        headers=auth_headers("auditor"),
    ).json()
    served = first["items"] + rest["items"]
    assert len(served) == 3 and rest["next_cursor"] is None
    assert [e["occurred_at"] for e in served] == sorted(
        (e["occurred_at"] for e in served), reverse=True
    )
    assert events(client, auth_headers, department="civil_affairs") == []
    assert (
        len(
            events(client, auth_headers, resource="births", **{"from": "2000-01-01T00:00:00+08:00"})
        )
        == 3
    )
    assert events(client, auth_headers, resource="births", to="2000-01-01T00:00:00Z") == []


def test_instants_without_an_offset_and_odd_record_ids_are_refused(
    client: TestClient, auth_headers: Headers
) -> None:
    headers = auth_headers("auditor")
    naive = client.get(URL, params={"from": "2026-03-01T08:00:00"}, headers=headers)
    assert naive.status_code == 422
    assert [e["field"] for e in naive.json()["errors"]] == ["from"]
    assert client.get(URL, params={"record_id": "%"}, headers=headers).status_code == 422


def test_only_audit_read_opens_the_log(
    client: TestClient, auth_headers: Headers, staff_token: Callable[..., str]
) -> None:
    assert client.get(URL).status_code == 401
    for department in ("maternal_health", "public_security", "health_commission"):
        assert client.get(URL, headers=auth_headers(department)).status_code == 403
    staff = {"Authorization": f"Bearer {staff_token('auditor')}"}
    assert client.get(URL, headers=staff).status_code == 200
    assert client.get(URL, headers=auth_headers("admin")).status_code == 200


def test_reading_the_log_is_itself_in_the_log(client: TestClient, auth_headers: Headers) -> None:
    register_birth(client, auth_headers)
    first = events(client, auth_headers, resource="births")
    reads = events(client, auth_headers, resource="audit-events")
    assert len(reads) == 1
    assert reads[0]["department"] == "auditor" and reads[0]["purpose"] == "audit"
    assert reads[0]["record_ids"] == [e["id"] for e in first]


def test_a_record_outside_the_jurisdiction_leaves_a_denied_event(
    client: TestClient, auth_headers: Headers
) -> None:
    birth = register_birth(client, auth_headers)
    wuhan = auth_headers("public_security", region="420100")
    assert client.get(f"/v1/births/{birth['id']}", headers=wuhan).status_code == 404
    # The province's auditors see both cities' systems.
    denied = events(client, auth_headers, region="420000", outcome="denied")
    assert [(e["action"], e["resource"], e["record_ids"], e["region"]) for e in denied] == [
        ("read", "births", [birth["id"]], "420100")
    ]


def test_a_missing_scope_or_purpose_leaves_a_denied_event(
    client: TestClient, auth_headers: Headers
) -> None:
    birth = register_birth(client, auth_headers)
    civil = auth_headers("civil_affairs")
    assert client.get("/v1/births", headers=civil).status_code == 403
    assert (
        client.post(
            f"/v1/births/{birth['id']}/void",
            json={"reason": "x"},
            headers={**auth_headers("public_security"), "X-Purpose-Of-Use": "maternal-care"},
        ).status_code
        == 403
    )
    denied = events(client, auth_headers, outcome="denied")
    assert sorted((e["department"], e["action"], e["purpose"]) for e in denied) == [
        ("civil_affairs", "list", "marriage-registration"),
        ("public_security", "void", "maternal-care"),
    ]


def test_a_request_without_a_valid_token_leaves_nothing(
    client: TestClient, auth_headers: Headers
) -> None:
    client.get("/v1/births")
    client.get("/v1/births", headers={"Authorization": "Bearer forged"})
    assert events(client, auth_headers, outcome="denied") == []
