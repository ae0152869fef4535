"""Issue #9, defect 4: a county must not learn what exists in the rest of the country.

A conflict outside the caller's jurisdiction names no record and says nothing about where
it lives; `mother_verified` looks only among the caller's persons; a household entry about
a person registered elsewhere answers exactly like one about an unknown ID number.
"""

import json
from typing import Any

import pytest

from tests import factories
from tests.adversarial.conftest import BEIJING, HUANGSHI, Json, World, created


def _conflict(response: Any) -> Json:
    assert response.status_code == 409, response.text
    body: Json = response.json()
    return body


def test_a_duplicate_certificate_inside_names_the_existing_birth(world: World) -> None:
    existing = world.birth()
    again = factories.birth_body(certificate_no=existing["certificate_no"])
    problem = _conflict(
        world.client.post("/v1/births", json=again, headers=world.headers("maternal_health"))
    )
    assert problem["existing_id"] == existing["id"]


def test_a_duplicate_certificate_elsewhere_reveals_nothing(world: World) -> None:
    elsewhere = world.birth(BEIJING)
    again = factories.birth_body(certificate_no=elsewhere["certificate_no"])
    problem = _conflict(
        world.client.post("/v1/births", json=again, headers=world.headers("maternal_health"))
    )
    assert "existing_id" not in problem
    assert elsewhere["id"] not in json.dumps(problem)
    assert "births" not in problem["detail"] and "110" not in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["certificate_no"]


def test_a_duplicate_id_number_elsewhere_reveals_nothing(world: World) -> None:
    elsewhere = world.person(BEIJING)
    body = factories.person_body(id_number=elsewhere["id_number"])
    problem = _conflict(
        world.client.post("/v1/persons", json=body, headers=world.headers("public_security"))
    )
    assert "existing_id" not in problem
    assert elsewhere["id"] not in json.dumps(problem)


def test_a_duplicate_marriage_certificate_elsewhere_reveals_nothing(world: World) -> None:
    beijing = factories.marriage_body(registry_region="110101")
    created(
        world.client.post(
            "/v1/marriages", json=beijing, headers=world.headers("civil_affairs", BEIJING)
        )
    )
    again = factories.marriage_body(certificate_no=beijing["certificate_no"])
    problem = _conflict(
        world.client.post("/v1/marriages", json=again, headers=world.headers("civil_affairs"))
    )
    assert "existing_id" not in problem


@pytest.mark.parametrize(("mother_region", "verified"), [(HUANGSHI, True), (BEIJING, False)])
def test_mother_verified_looks_only_inside_the_jurisdiction(
    world: World, mother_region: str, verified: bool
) -> None:
    mother = world.person(mother_region)
    ref = {"id_number": mother["id_number"], "name": mother["name"]}
    birth = world.birth(mother=ref)
    assert birth["mother_verified"] is verified
    imported = world.client.post(
        "/v1/births:import",
        content=json.dumps(factories.birth_body(mother=ref)) + "\n",
        headers={**world.headers("maternal_health"), "Content-Type": "application/x-ndjson"},
    )
    assert imported.json()["created"] == 1
    listed = world.client.get("/v1/births", headers=world.headers("maternal_health")).json()
    assert [b["mother_verified"] for b in listed["items"]] == [verified, verified]


@pytest.mark.parametrize("entry_type", ["correction", "death", "move_out"])
def test_an_entry_about_a_person_elsewhere_answers_like_an_unknown_one(
    world: World, entry_type: str
) -> None:
    elsewhere = world.person(BEIJING)
    known = factories.household_entry_body(
        entry_type=entry_type,
        person={
            "id_number": elsewhere["id_number"],
            "name": "王五",
            "sex": elsewhere["sex"],
            "birth_date": elsewhere["birth_date"],
        },
    )
    unknown = factories.household_entry_body(entry_type=entry_type)
    ps = world.headers("public_security")
    answers = [
        world.client.post("/v1/household-entries", json=b, headers=ps) for b in (known, unknown)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    first, second = (a.json() for a in answers)
    assert (first["detail"], first["errors"]) == (second["detail"], second["errors"])
    after = world.client.get(
        f"/v1/persons/{elsewhere['id']}", headers=world.headers("public_security", BEIJING)
    ).json()
    assert (after["name"], after["status"], after["version"]) == (
        elsewhere["name"],
        "active",
        1,
    )
