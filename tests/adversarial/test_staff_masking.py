"""Every answer a staff session gets shows ID numbers masked (interface §3).

Staff see full ID numbers only when they open a record with a stated purpose. A population
with every kind of record (and a cross-check's worklist) is made; then every GET route,
the person look-up and the access logs are called by each staff role without a purpose,
and every response body is searched for an ID number in full.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from tests import factories
from tests.adversarial.conftest import ID_NUMBER, Json, World, created
from tests.adversarial.test_forged_tokens import _routes

STAFF_ROLES = ("clerk", "reviewer", "supervisor", "auditor", "admin")


def _population(world: World, app: FastAPI) -> tuple[dict[str, list[str]], list[str]]:
    """Records of every kind in 420202 by the first segment of their URL, and ID numbers."""
    mother = world.person(sex="female")
    ref = {"id_number": mother["id_number"], "name": mother["name"]}
    birth = world.birth(mother=ref, birth_datetime=factories.instant(factories.days_ago(45)))
    exam = world.exam(mother)
    ps = world.headers("public_security")
    entry = created(
        world.client.post(
            "/v1/household-entries",
            json=factories.household_birth_entry_body(factories.birth_body(mother=ref)),
            headers=ps,
        )
    )
    marriage = created(
        world.client.post(
            "/v1/marriages",
            json=factories.marriage_body(party_b=ref),
            headers=world.headers("civil_affairs"),
        )
    )
    runs = _crosscheck(app)
    numbers = [mother["id_number"], entry["person"]["id_number"], marriage["party_a"]["id_number"]]
    return {
        "persons": [mother["id"]],
        "births": [birth["id"]],
        "ultrasound-exams": [exam["id"]],
        "household-entries": [entry["id"]],
        "marriages": [marriage["id"]],
        "crosscheck": runs,
        "discrepancies": _discrepancies(world),
    }, numbers


def _crosscheck(app: FastAPI) -> list[str]:
    from tests.crosscheck.support import run_in_foreground

    run = run_in_foreground(app.state.engine, app.state.settings)
    return [run.id]


def _discrepancies(world: World) -> list[str]:
    response = world.client.get("/v1/discrepancies", headers=world.headers("health_commission"))
    assert response.status_code == 200, response.text
    ids = [d["id"] for d in response.json()["items"]]
    assert ids, "the cross-check found nothing to put on the worklist"
    return ids


def _urls(app: FastAPI, records: dict[str, list[str]]) -> list[str]:
    urls = []
    for method, path in _routes(app):
        if method != "GET" or not path.startswith("/v1/"):
            continue
        if "{" not in path:
            urls.append(path)
            continue
        segments = path.split("/")
        ids = records.get(segments[2].split(":")[0], [])
        urls += ["/".join(i if s.startswith("{") else s for s in segments) for i in ids]
    return urls


@pytest.fixture
def staff_headers(staff_token: Callable[..., str]) -> Callable[[str], Json]:
    return lambda role: {"Authorization": f"Bearer {staff_token(role)}"}


def test_no_staff_answer_shows_an_id_number_in_full(
    world: World, app: FastAPI, staff_headers: Callable[[str], Json]
) -> None:
    records, numbers = _population(world, app)
    urls = _urls(app, records)
    assert len(urls) > 20
    leaks: list[str] = []
    answered = 0
    for role in STAFF_ROLES:
        headers = staff_headers(role)
        for url in urls:
            response = world.client.get(url, headers=headers)
            answered += response.status_code == 200
            leaks += [f"{role} GET {url}: {n}" for n in ID_NUMBER.findall(response.text)]
        for number in numbers:
            found = world.client.post(
                "/v1/persons/lookup", json={"id_number": number}, headers=headers
            )
            leaks += [f"{role} lookup: {n}" for n in ID_NUMBER.findall(found.text)]
    assert answered > 40
    assert leaks == []


def test_a_stated_purpose_opens_the_full_number(
    world: World, staff_headers: Callable[[str], Json]
) -> None:
    person = world.person()
    headers = {**staff_headers("clerk"), "X-Purpose-Of-Use": "citizen-request"}
    opened: Any = world.client.get(f"/v1/persons/{person['id']}", headers=headers).json()
    assert opened["id_number"] == person["id_number"]
