"""/v1/persons (interface §4 "Persons"): validation, look-up, minimisation, access log."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.validation import today_in_china
from tests.factories import OMIT, birth_body, person_body, person_ref

Headers = Callable[..., dict[str, str]]


@pytest.fixture
def ps(auth_headers: Headers) -> dict[str, str]:
    return auth_headers("public_security")


def create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/persons", json=person_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def staff(staff_token: Callable[..., str], purpose: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {staff_token('clerk')}"}
    if purpose:
        headers["X-Purpose-Of-Use"] = purpose
    return headers


def lookup(client: TestClient, headers: dict[str, str], id_number: str) -> Any:
    return client.post("/v1/persons/lookup", json={"id_number": id_number}, headers=headers)


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_create_answers_the_person_with_derived_fields(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = person_body(residence_region="420203")

    response = client.post("/v1/persons", json=body, headers=ps)

    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    person = response.json()
    assert person["id_number"] == body["id_number"]
    assert (person["status"], person["separated"], person["sources"]) == (
        "active",
        True,
        ["public_security"],
    )
    assert "jurisdiction_region" not in person
    assert response.headers["Location"] == f"/v1/persons/{person['id']}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": "1995-03-05"}, "birth_date"),
        ({"id_number": "420202199503040041"}, "id_number"),
        ({"name": " 张三"}, "name"),
        ({"ethnicity": "57"}, "ethnicity"),
        ({"household_region": "999999"}, "household_region"),
        ({"household_region": OMIT, "residence_region": OMIT}, "household_region"),
        ({"household_no": "420 202"}, "household_no"),
        ({"marital_status": "25"}, "marital_status"),
        ({"status": "missing"}, "status"),
        ({"status": "deceased"}, "death_date"),
        ({"status": "deceased", "death_date": "1990-01-01"}, "death_date"),
        ({"death_date": "2020-01-01"}, "death_date"),
        ({"fetal_sex": "male"}, "fetal_sex"),
    ],
)
def test_invalid_person_is_422_naming_the_field(
    client: TestClient, ps: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/persons", json=person_body(**overrides), headers=ps)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fields(response) == [field]


def test_sex_that_disagrees_with_the_id_number_is_422(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = person_body()
    body["sex"] = "male"

    response = client.post("/v1/persons", json=body, headers=ps)

    assert response.status_code == 422
    assert fields(response) == ["sex"]


def test_death_date_in_the_future_is_422(client: TestClient, ps: dict[str, str]) -> None:
    tomorrow = (today_in_china() + timedelta(days=1)).isoformat()

    response = client.post(
        "/v1/persons", json=person_body(status="deceased", death_date=tomorrow), headers=ps
    )

    assert fields(response) == ["death_date"]


def test_deceased_person_with_death_date_is_stored(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps, status="deceased", death_date="2020-01-01")

    assert (person["status"], person["death_date"]) == ("deceased", "2020-01-01")


def test_lookup_by_id_number_finds_the_person(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps)

    response = lookup(client, ps, person["id_number"])

    assert response.status_code == 200
    assert response.json()["id"] == person["id"]


def test_lookup_of_an_unknown_id_number_is_404(client: TestClient, ps: dict[str, str]) -> None:
    response = lookup(client, ps, person_ref()["id_number"])

    assert response.status_code == 404


def test_lookup_outside_the_jurisdiction_is_404(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    person = create(client, ps)

    response = lookup(client, auth_headers("public_security", region="420300"), person["id_number"])

    assert response.status_code == 404


def test_lookup_of_an_invalid_id_number_is_422(client: TestClient, ps: dict[str, str]) -> None:
    response = lookup(client, ps, "42020219950304004")

    assert response.status_code == 422
    assert fields(response) == ["id_number"]


def test_staff_see_the_id_number_masked_without_a_stated_purpose(
    client: TestClient, ps: dict[str, str], staff_token: Callable[..., str]
) -> None:
    person = create(client, ps)
    number = person["id_number"]

    masked = lookup(client, staff(staff_token), number).json()["id_number"]
    full = lookup(client, staff(staff_token, "birth-service"), number).json()["id_number"]

    assert masked == f"{number[:6]}********{number[14:]}"
    assert full == number


def test_departments_that_see_health_data_get_the_births_of_a_mother(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    mother = create(client, ps)
    mh = auth_headers("maternal_health")
    ref = {"id_number": mother["id_number"], "name": mother["name"]}
    birth = client.post("/v1/births", json=birth_body(mother=ref), headers=mh).json()

    one = client.get(f"/v1/persons/{mother['id']}", headers=mh).json()
    listed = client.get("/v1/persons", headers=mh).json()["items"]

    assert one["births"] == [birth["id"]]
    assert [p["births"] for p in listed] == [[birth["id"]]]


@pytest.mark.parametrize("department", ["civil_affairs", "public_security"])
def test_civil_affairs_and_public_security_get_no_health_data(
    client: TestClient, ps: dict[str, str], auth_headers: Headers, department: str
) -> None:
    mother = create(client, ps)
    ref = {"id_number": mother["id_number"], "name": mother["name"]}
    client.post("/v1/births", json=birth_body(mother=ref), headers=auth_headers("maternal_health"))
    headers = auth_headers(department)

    one = client.get(f"/v1/persons/{mother['id']}", headers=headers).json()
    found = lookup(client, headers, mother["id_number"]).json()
    listed = client.get("/v1/persons", headers=headers).json()["items"]

    assert "births" not in one
    assert "births" not in found
    assert all("births" not in p for p in listed)


def test_same_idempotency_key_replays_the_first_answer(
    client: TestClient, ps: dict[str, str]
) -> None:
    body = person_body()
    headers = {**ps, "Idempotency-Key": "person-1"}

    first = client.post("/v1/persons", json=body, headers=headers)
    again = client.post("/v1/persons", json=body, headers=headers)
    other = client.post("/v1/persons", json=person_body(), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert other.status_code == 422


def test_duplicate_id_number_is_409_with_the_existing_id(
    client: TestClient, ps: dict[str, str]
) -> None:
    person = create(client, ps)

    response = client.post(
        "/v1/persons", json=person_body(id_number=person["id_number"]), headers=ps
    )

    assert response.status_code == 409
    assert response.json()["existing_id"] == person["id"]
    assert fields(response) == ["id_number"]


def test_correction_needs_if_match_and_keeps_history(
    client: TestClient, ps: dict[str, str]
) -> None:
    person = create(client, ps)
    url = f"/v1/persons/{person['id']}"

    without = client.patch(url, json={"residence_region": "420203"}, headers=ps)
    stale = client.patch(
        url, json={"residence_region": "420203"}, headers={**ps, "If-Match": '"7"'}
    )
    done = client.patch(url, json={"residence_region": "420203"}, headers={**ps, "If-Match": '"1"'})
    history = client.get(f"{url}/history", headers=ps).json()["items"]

    assert (without.status_code, stale.status_code, done.status_code) == (428, 412, 200)
    assert (done.json()["version"], done.json()["separated"]) == (2, True)
    assert [v["record"]["residence_region"] for v in history] == ["420202", "420203"]


def test_correction_that_breaks_a_rule_is_422(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps)

    response = client.patch(
        f"/v1/persons/{person['id']}",
        json={"status": "deceased"},
        headers={**ps, "If-Match": '"1"'},
    )

    assert response.status_code == 422
    assert fields(response) == ["death_date"]


def test_void_cancels_the_person(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps)

    response = client.post(
        f"/v1/persons/{person['id']}/void", json={"reason": "duplicate"}, headers=ps
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("cancelled", 2)


def test_only_persons_write_may_create(client: TestClient, auth_headers: Headers) -> None:
    response = client.post("/v1/persons", json=person_body(), headers=auth_headers("civil_affairs"))

    assert response.status_code == 403


def test_creating_outside_the_jurisdiction_is_refused(
    client: TestClient, auth_headers: Headers
) -> None:
    response = client.post(
        "/v1/persons", json=person_body(), headers=auth_headers("public_security", "420300")
    )

    assert response.status_code == 403
    assert fields(response) == ["household_region"]


def test_access_log_lists_who_touched_the_person_newest_first(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    person = create(client, ps)
    ca = {**auth_headers("civil_affairs"), "X-Case-Id": "MZ-2026-0042"}
    client.get(f"/v1/persons/{person['id']}", headers=ca)

    response = client.get(f"/v1/persons/{person['id']}/access-log", headers=ps)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(e["department"], e["action"], e["case_id"]) for e in items] == [
        ("civil_affairs", "read", "MZ-2026-0042"),
        ("public_security", "create", None),
    ]
    assert items[0]["purpose"] == "marriage-registration"
    assert items[0]["time"].endswith("+08:00")


def test_reading_the_access_log_is_itself_logged(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps)
    url = f"/v1/persons/{person['id']}/access-log"

    client.get(url, headers=ps)
    items = client.get(url, headers=ps).json()["items"]

    assert [e["action"] for e in items] == ["access-log", "create"]


def test_access_log_pages_with_a_cursor(client: TestClient, ps: dict[str, str]) -> None:
    person = create(client, ps)
    for _ in range(3):
        client.get(f"/v1/persons/{person['id']}", headers=ps)
    url = f"/v1/persons/{person['id']}/access-log"

    first = client.get(url, params={"limit": 2}, headers=ps).json()
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=ps)
    broken = client.get(url, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=ps)

    assert [e["action"] for e in first["items"]] == ["read", "read"]
    assert [e["action"] for e in second.json()["items"]] == ["read", "create"]
    assert broken.status_code == 422


def test_auditors_read_access_logs_inside_their_jurisdiction(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    person = create(client, ps)
    url = f"/v1/persons/{person['id']}/access-log"

    national = client.get(url, headers=auth_headers("auditor", "000000"))
    provincial = client.get(url, headers=auth_headers("auditor", "420000"))
    elsewhere = client.get(url, headers=auth_headers("auditor", "110000"))

    assert national.status_code == provincial.status_code == 200
    assert national.json()["items"][-1]["action"] == "create"
    assert elsewhere.status_code == 404


def test_access_log_outside_the_jurisdiction_is_404(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    person = create(client, ps)

    response = client.get(
        f"/v1/persons/{person['id']}/access-log",
        headers=auth_headers("public_security", "420300"),
    )

    assert response.status_code == 404


def test_access_log_without_persons_read_or_audit_read_is_403(
    client: TestClient, ps: dict[str, str], auth_headers: Headers
) -> None:
    person = create(client, ps)

    response = client.get(
        f"/v1/persons/{person['id']}/access-log",
        headers=auth_headers("maternal_health", scopes=["births:read"]),
    )

    assert response.status_code == 403


def test_persons_need_a_token(client: TestClient) -> None:
    response = client.post("/v1/persons/lookup", json={"id_number": person_ref()["id_number"]})

    assert response.status_code == 401
