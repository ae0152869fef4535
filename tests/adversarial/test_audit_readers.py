"""Issue #9, defects 2 and 7: what the access log and the audit log tell, and to whom.

A person's access log is cut to what the reader's department may know (ultrasound events
only to maternal health and auditors; birth and exam events not to civil affairs or public
security). Auditors are bound to their jurisdiction like everyone else: national auditors
(000000) keep the whole log.
"""

from typing import Any

import pytest

from tests import factories
from tests.adversarial.conftest import BEIJING, HUANGSHI, Json, World, created

HEALTH_PURPOSES = {"maternal-care", "birth-registration"}


@pytest.fixture
def mother(world: World) -> Json:
    """A woman of Huangshi for whom maternal health registered an exam and a birth."""
    person = world.person(sex="female")
    ref = {"id_number": person["id_number"], "name": person["name"]}
    world.exam(person)
    world.birth(mother=ref)
    world.client.post(
        "/v1/persons/lookup",
        json={"id_number": person["id_number"]},
        headers=world.headers("maternal_health", purpose="maternal-care"),
    )
    return person


def _log(world: World, person: Json, department: str, region: str = HUANGSHI) -> Any:
    return world.client.get(
        f"/v1/persons/{person['id']}/access-log", headers=world.headers(department, region)
    )


def _resources(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {e["resource"] for e in response.json()["items"]}


@pytest.mark.parametrize("department", ["civil_affairs", "public_security"])
def test_departments_without_health_data_see_no_health_events(
    world: World, mother: Json, department: str
) -> None:
    response = _log(world, mother, department)
    assert _resources(response).isdisjoint({"births", "ultrasound-exams"})
    assert {e["purpose"] for e in response.json()["items"]}.isdisjoint(HEALTH_PURPOSES)
    assert {e["department"] for e in response.json()["items"]} == {"public_security"}


@pytest.mark.parametrize("department", ["health_commission", "admin"])
def test_health_departments_see_births_but_not_ultrasounds(
    world: World, mother: Json, department: str
) -> None:
    seen = _resources(_log(world, mother, department))
    assert "births" in seen
    assert "ultrasound-exams" not in seen


@pytest.mark.parametrize("department", ["maternal_health", "auditor"])
def test_maternal_health_and_auditors_see_everything(
    world: World, mother: Json, department: str
) -> None:
    assert {"births", "ultrasound-exams", "persons"} <= _resources(_log(world, mother, department))


@pytest.mark.parametrize(
    ("region", "status"), [("000000", 200), ("420000", 200), (HUANGSHI, 200), (BEIJING, 404)]
)
def test_an_auditor_reads_access_logs_of_its_own_jurisdiction(
    world: World, mother: Json, region: str, status: int
) -> None:
    assert _log(world, mother, "auditor", region).status_code == status


def _actors(world: World, region: str, **params: Any) -> set[str]:
    response = world.client.get(
        "/v1/audit-events",
        params={"limit": 500, **params},
        headers=world.headers("auditor", region),
    )
    assert response.status_code == 200, response.text
    return {e["region"] for e in response.json()["items"]}


def test_the_audit_log_is_cut_to_the_auditors_jurisdiction(world: World) -> None:
    world.person(HUANGSHI)
    world.person(BEIJING)

    assert _actors(world, "000000", resource="persons") == {HUANGSHI, BEIJING}
    assert _actors(world, BEIJING, resource="persons") == {BEIJING}
    assert _actors(world, HUANGSHI, resource="persons") == {HUANGSHI}
    assert _actors(world, "420000", resource="persons") == {HUANGSHI}


def test_an_auditor_sees_other_jurisdictions_touching_its_persons(world: World) -> None:
    huangshi_woman = world.person(HUANGSHI, sex="female")
    # A Beijing hospital registers a birth whose mother is registered in Huangshi.
    beijing_mh = world.headers("maternal_health", BEIJING)
    ref = {"id_number": huangshi_woman["id_number"], "name": huangshi_woman["name"]}
    body = factories.birth_body(birth_region="110101", mother=ref)
    birth = created(world.client.post("/v1/births", json=body, headers=beijing_mh))

    events = world.client.get(
        "/v1/audit-events",
        params={"record_id": birth["id"]},
        headers=world.headers("auditor", HUANGSHI),
    ).json()["items"]
    assert [(e["region"], e["action"]) for e in events] == [(BEIJING, "create")]
    assert huangshi_woman["id"] in events[0]["person_ids"]
