"""/v1/marriages (interface §4 "Marriages"): each record sets both parties' marital status."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.models import FeedEvent
from api.validation import today_in_china
from tests.factories import days_ago, marriage_body, person_body, person_ref

Headers = Callable[..., dict[str, str]]
URL = "/v1/marriages"


@pytest.fixture
def ca(auth_headers: Headers) -> dict[str, str]:
    return auth_headers("civil_affairs")


@pytest.fixture
def register_person(client: TestClient, auth_headers: Headers) -> Callable[..., dict[str, Any]]:
    def register(**overrides: Any) -> dict[str, Any]:
        response = client.post(
            "/v1/persons", json=person_body(**overrides), headers=auth_headers("public_security")
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return register


def ref(person: dict[str, Any]) -> dict[str, str]:
    return {"id_number": person["id_number"], "name": person["name"]}


def record(
    client: TestClient,
    headers: dict[str, str],
    a: dict[str, Any],
    b: dict[str, Any],
    record_type: str,
    days: int,
) -> dict[str, Any]:
    body = marriage_body(
        record_type=record_type,
        registered_on=days_ago(days).isoformat(),
        party_a=ref(a),
        party_b=ref(b),
    )
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def status_of(client: TestClient, headers: dict[str, str], person: dict[str, Any]) -> str:
    found = client.get(f"/v1/persons/{person['id']}", headers=headers).json()
    status: str = found["marital_status"]
    return status


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_marriage_sets_both_parties_to_first_marriage(
    client: TestClient, ca: dict[str, str], register_person: Callable[..., dict[str, Any]]
) -> None:
    a, b = register_person(sex="male"), register_person()

    created = record(client, ca, a, b, "marriage", 300)

    assert created["party_a"] == ref(a)
    assert (status_of(client, ca, a), status_of(client, ca, b)) == ("21", "21")


def test_divorce_restored_and_remarriage_statuses(
    client: TestClient, ca: dict[str, str], register_person: Callable[..., dict[str, Any]]
) -> None:
    a, b, c = register_person(sex="male"), register_person(), register_person()

    record(client, ca, a, b, "marriage", 1500)
    record(client, ca, a, b, "divorce", 1200)
    assert (status_of(client, ca, a), status_of(client, ca, b)) == ("40", "40")
    record(client, ca, a, b, "restored", 900)
    assert (status_of(client, ca, a), status_of(client, ca, b)) == ("23", "23")
    record(client, ca, a, b, "divorce", 600)
    record(client, ca, a, c, "marriage", 300)
    assert (status_of(client, ca, a), status_of(client, ca, b), status_of(client, ca, c)) == (
        "22",
        "40",
        "21",
    )


def test_civil_affairs_reads_parties_without_health_data(
    client: TestClient, ca: dict[str, str], register_person: Callable[..., dict[str, Any]]
) -> None:
    a, b = register_person(sex="male"), register_person()
    record(client, ca, a, b, "marriage", 300)

    found = client.post("/v1/persons/lookup", json={"id_number": b["id_number"]}, headers=ca)

    assert found.status_code == 200
    assert "births" not in found.json()


def test_parties_unknown_to_the_person_register_are_not_created(
    client: TestClient, ca: dict[str, str]
) -> None:
    body = marriage_body()

    response = client.post(URL, json=body, headers=ca)

    assert response.status_code == 201
    missing = client.post(
        "/v1/persons/lookup", json={"id_number": body["party_a"]["id_number"]}, headers=ca
    )
    assert missing.status_code == 404


def test_record_and_both_status_changes_are_in_one_transaction(
    client: TestClient,
    ca: dict[str, str],
    register_person: Callable[..., dict[str, Any]],
    session: Session,
) -> None:
    a, b = register_person(sex="male"), register_person()

    record(client, ca, a, b, "marriage", 300)

    types = list(session.exec(select(FeedEvent.type).order_by(col(FeedEvent.seq))).all())
    session.rollback()
    assert types[-3:] == ["person.updated", "person.updated", "marriage.recorded"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"record_type": "engagement"}, "record_type"),
        ({"certificate_no": "J420202/2025"}, "certificate_no"),
        ({"certificate_no": "J" * 33}, "certificate_no"),
        ({"certificate_no": ""}, "certificate_no"),
        ({"registry_region": "4202"}, "registry_region"),
        ({"party_b": {"id_number": "420202199503040041", "name": "黄芳"}}, "party_b.id_number"),
        ({"party_a": {"id_number": person_ref()["id_number"], "name": ""}}, "party_a.name"),
        ({"witness": "王伟"}, "witness"),
    ],
)
def test_invalid_record_is_422_naming_the_field(
    client: TestClient, ca: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=marriage_body(**overrides), headers=ca)

    assert response.status_code == 422
    assert fields(response) == [field]


def test_the_two_parties_must_differ(client: TestClient, ca: dict[str, str]) -> None:
    party = person_ref()

    response = client.post(URL, json=marriage_body(party_a=party, party_b=party), headers=ca)

    assert response.status_code == 422
    assert fields(response) == ["party_b"]


def test_registration_in_the_future_is_422(client: TestClient, ca: dict[str, str]) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()

    response = client.post(URL, json=marriage_body(registered_on=tomorrow), headers=ca)

    assert fields(response) == ["registered_on"]


def test_same_idempotency_key_replays_the_first_answer(
    client: TestClient, ca: dict[str, str]
) -> None:
    body = marriage_body()
    headers = {**ca, "Idempotency-Key": "marriage-1"}

    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    other = client.post(URL, json=marriage_body(), headers=headers)

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()


def test_duplicate_certificate_no_is_409_with_the_existing_id(
    client: TestClient, ca: dict[str, str]
) -> None:
    body = marriage_body()
    first = client.post(URL, json=body, headers=ca).json()

    response = client.post(
        URL, json=marriage_body(certificate_no=body["certificate_no"]), headers=ca
    )

    assert response.status_code == 409
    assert response.json()["existing_id"] == first["id"]
    assert fields(response) == ["certificate_no"]


def test_duplicate_leaves_the_parties_unchanged(
    client: TestClient, ca: dict[str, str], register_person: Callable[..., dict[str, Any]]
) -> None:
    a, b = register_person(sex="male"), register_person()
    first = record(client, ca, a, b, "marriage", 900)
    body = marriage_body(
        record_type="divorce",
        certificate_no=first["certificate_no"],
        registered_on=days_ago(100).isoformat(),
        party_a=ref(a),
        party_b=ref(b),
    )

    response = client.post(URL, json=body, headers=ca)

    assert response.status_code == 409
    assert (status_of(client, ca, a), status_of(client, ca, b)) == ("21", "21")


def test_only_civil_affairs_writes_marriages(client: TestClient, auth_headers: Headers) -> None:
    response = client.post(URL, json=marriage_body(), headers=auth_headers("public_security"))

    assert response.status_code == 403


def test_department_systems_read_the_parties_in_full(
    client: TestClient, ca: dict[str, str], auth_headers: Headers
) -> None:
    body = marriage_body()
    created = client.post(URL, json=body, headers=ca).json()

    read = client.get(f"{URL}/{created['id']}", headers=auth_headers("health_commission"))

    assert read.json()["party_a"]["id_number"] == body["party_a"]["id_number"]
