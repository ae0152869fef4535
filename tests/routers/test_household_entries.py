"""/v1/household-entries (interface §4 "Household entries"): each entry updates its person."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.models import FeedEvent
from api.validation import today_in_china
from tests.factories import (
    OMIT,
    birth_body,
    days_ago,
    household_birth_entry_body,
    household_entry_body,
    person_body,
)

Headers = Callable[..., dict[str, str]]
URL = "/v1/household-entries"


@pytest.fixture
def ps(auth_headers: Headers) -> dict[str, str]:
    return auth_headers("public_security")


def post(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def person(client: TestClient, headers: dict[str, str], id_number: str) -> dict[str, Any]:
    response = client.post("/v1/persons/lookup", json={"id_number": id_number}, headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def feed_types(session: Session) -> list[str]:
    types = list(session.exec(select(FeedEvent.type).order_by(col(FeedEvent.seq))).all())
    # End the read: on SQLite an open transaction would hold the write lock.
    session.rollback()
    return types


def entry_about(registered: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    particulars = {k: registered[k] for k in ("id_number", "name", "sex", "birth_date")}
    return household_entry_body(person={**particulars, "ethnicity": "01"}, **overrides)


def test_birth_entry_creates_the_person(client: TestClient, ps: dict[str, str]) -> None:
    body = household_birth_entry_body(birth_body())

    entry = post(client, ps, body)

    child = person(client, ps, body["person"]["id_number"])
    assert entry["person_id"] == child["id"]
    assert entry["entry_type"] == "birth"
    assert entry["birth_certificate_no"] == body["birth_certificate_no"]
    assert (child["household_no"], child["status"], child["sources"]) == (
        body["household_no"],
        "active",
        ["public_security"],
    )


def test_entry_and_person_events_are_written_together(
    client: TestClient, ps: dict[str, str], session: Session
) -> None:
    post(client, ps, household_entry_body())

    assert feed_types(session) == ["person.created", "household.entry_recorded"]


def test_death_entry_marks_the_person_deceased(client: TestClient, ps: dict[str, str]) -> None:
    registered = client.post("/v1/persons", json=person_body(), headers=ps).json()
    body = entry_about(registered, entry_type="death")

    post(client, ps, body)

    after = person(client, ps, registered["id_number"])
    assert (after["status"], after["death_date"]) == ("deceased", body["registered_on"])


def test_person_history_shows_the_change_an_entry_made(
    client: TestClient, ps: dict[str, str]
) -> None:
    registered = client.post("/v1/persons", json=person_body(), headers=ps).json()

    post(
        client, ps, entry_about(registered, household_region="420281", household_no="420281000321")
    )

    history = client.get(f"/v1/persons/{registered['id']}/history", headers=ps).json()["items"]
    assert [(v["version"], v["action"], v["record"]["household_region"]) for v in history] == [
        (1, "create", "420202"),
        (2, "update", "420281"),
    ]


def test_refused_entry_leaves_no_feed_event_and_no_person_change(
    client: TestClient, ps: dict[str, str], session: Session
) -> None:
    registered = client.post("/v1/persons", json=person_body(), headers=ps).json()
    post(client, ps, entry_about(registered, entry_type="death"))
    before = feed_types(session)

    response = client.post(
        URL, json=entry_about(registered, household_no="420202000888"), headers=ps
    )

    assert response.status_code == 409
    assert feed_types(session) == before
    after = person(client, ps, registered["id_number"])
    assert (after["version"], after["household_no"]) == (2, registered["household_no"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"entry_type": "adoption"}, "entry_type"),
        ({"household_region": "420299"}, "household_region"),
        ({"household_no": ""}, "household_no"),
        ({"registered_on": OMIT}, "registered_on"),
        ({"birth_certificate_no": "Q420212345"}, "birth_certificate_no"),
        ({"mother_id_number": "420202199503040040"}, "mother_id_number"),
        ({"registered_on": "1980-01-01"}, "registered_on"),
        ({"occupation": "farmer"}, "occupation"),
    ],
)
def test_invalid_entry_is_422_naming_the_field(
    client: TestClient, ps: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=household_entry_body(**overrides), headers=ps)

    assert response.status_code == 422
    assert fields(response) == [field]


def test_registration_in_the_future_is_422(client: TestClient, ps: dict[str, str]) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()

    response = client.post(URL, json=household_entry_body(registered_on=tomorrow), headers=ps)

    assert fields(response) == ["registered_on"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": "1990-07-16"}, "person.birth_date"),
        ({"sex": "female"}, "person.sex"),
        ({"name": ""}, "person.name"),
        ({"id_number": "12345"}, "person.id_number"),
    ],
)
def test_person_particulars_that_disagree_are_422_naming_the_nested_field(
    client: TestClient, ps: dict[str, str], change: dict[str, str], field: str
) -> None:
    body = household_entry_body()
    body["person"] = {**body["person"], **change}

    response = client.post(URL, json=body, headers=ps)

    assert response.status_code == 422
    assert fields(response) == [field]


def test_birth_entry_checks_the_certificate_and_parents(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = household_birth_entry_body(birth_body())
    bad_certificate = {**body, "birth_certificate_no": "420212345"}
    own_mother = {**body, "mother_id_number": body["person"]["id_number"]}

    assert fields(client.post(URL, json=bad_certificate, headers=ps)) == ["birth_certificate_no"]
    assert fields(client.post(URL, json=own_mother, headers=ps)) == ["mother_id_number"]


def test_birth_entry_without_certificate_is_accepted(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = household_birth_entry_body(birth_body(), birth_certificate_no=OMIT)

    assert post(client, ps, body)["birth_certificate_no"] is None


def test_same_idempotency_key_replays_the_first_answer(
    client: TestClient, ps: dict[str, str], session: Session
) -> None:
    body = household_entry_body()
    headers = {**ps, "Idempotency-Key": "entry-1"}

    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert feed_types(session) == ["person.created", "household.entry_recorded"]


def test_duplicate_natural_key_is_409_with_the_existing_id(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = household_entry_body()
    entry = post(client, ps, body)

    response = client.post(URL, json={**body, "household_no": "420202000444"}, headers=ps)

    assert response.status_code == 409
    assert response.json()["existing_id"] == entry["id"]
    assert fields(response) == ["entry_type", "person.id_number", "registered_on"]


def test_same_person_may_have_entries_on_other_days(client: TestClient, ps: dict[str, str]) -> None:
    body = household_entry_body(registered_on=days_ago(20).isoformat())
    post(client, ps, body)

    later = post(client, ps, {**body, "registered_on": days_ago(2).isoformat()})

    assert later["version"] == 1


def test_only_public_security_writes_entries(client: TestClient, auth_headers: Headers) -> None:
    response = client.post(URL, json=household_entry_body(), headers=auth_headers("civil_affairs"))

    assert response.status_code == 403


def test_entry_outside_the_jurisdiction_is_refused(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.post(
        URL, json=household_entry_body(), headers=auth_headers("public_security", "420300")
    )

    assert response.status_code == 403
    assert fields(response) == ["household_region"]


def test_entry_read_outside_the_jurisdiction_is_404(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    entry = post(client, ps, household_entry_body())

    inside = client.get(f"{URL}/{entry['id']}", headers=auth_headers("health_commission"))
    outside = client.get(
        f"{URL}/{entry['id']}", headers=auth_headers("health_commission", "420300")
    )

    assert (inside.status_code, outside.status_code) == (200, 404)
