"""The route × department × jurisdiction matrix, beyond status codes (issue #9).

`tests/routers/test_authorization_matrix.py` checks who gets 2xx, 403 or 404. Here the same
callers (every department's client and every health-commission staff role, inside Huangshi
420200 and outside in Wuhan 420100) are checked for what the answers and the writes do:

- a refused write (403/404) stores nothing: no record, version, feed event or idempotency key;
- a person's access log shows each reader only what its department may know;
- the audit log shows each auditor only its own jurisdiction;
- a conflicting create names the existing record only inside the caller's jurisdiction.
"""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.access.jurisdiction import in_jurisdiction
from tests import factories
from tests.adversarial.conftest import Json, World, stored_state
from tests.conftest import Credentials
from tests.routers.test_authorization_matrix import (
    CALLERS,
    INSIDE,
    OUTSIDE,
    POLICY,
    RECORD_REGION,
    call,
    expected,
    outcome,
    seed,
    tokens_of,
)

WRITES = sorted(key for key in POLICY if not key.startswith("GET "))
NO_HEALTH = {"civil_affairs", "public_security"}
ULTRASOUND_READERS = {"maternal_health", "auditor"}


@pytest.mark.parametrize("key", WRITES)
def test_a_refused_write_stores_nothing(
    key: str, app: FastAPI, client: TestClient, credentials: Credentials
) -> None:
    rule = POLICY[key]
    headers = tokens_of(credentials)
    changed = []
    for caller in CALLERS:
        for outside in (False, True):
            if expected(rule, caller, outside) == "2xx":
                continue
            target = seed(app, rule.target) if rule.target else None
            before = stored_state(app)
            got = outcome(call(client, key, rule, target, headers[(caller, outside)]))
            if got == "2xx" or stored_state(app) != before:
                where = "outside" if outside else "inside"
                changed.append(f"{caller} {where}: {got}")
    assert changed == [], f"{key}: a refused write changed the stored records"


@pytest.fixture
def mother(world: World) -> Json:
    """A woman of 420202 with an exam, a birth and a maternal-care look-up in her log."""
    person = world.person(sex="female")
    world.exam(person)
    world.birth(mother={"id_number": person["id_number"], "name": person["name"]})
    world.client.post(
        "/v1/persons/lookup",
        json={"id_number": person["id_number"]},
        headers=world.headers("maternal_health", purpose="maternal-care"),
    )
    return person


def test_each_reader_sees_the_access_log_cut_to_its_department(
    world: World, mother: Json, credentials: Credentials
) -> None:
    headers = tokens_of(credentials)
    url = f"/v1/persons/{mother['id']}/access-log"
    wrong = []
    for caller in CALLERS:
        for outside in (False, True):
            response = world.client.get(url, headers=headers[(caller, outside)])
            want = expected(POLICY["GET /v1/persons/{id}/access-log"], caller, outside)
            if outcome(response.status_code) != want:
                wrong.append(f"{caller} outside={outside}: {response.status_code}, want {want}")
                continue
            if response.status_code != 200:
                continue
            seen = {e["resource"] for e in response.json()["items"]}
            department = (
                "health_commission" if caller in ("clerk", "reviewer", "supervisor") else caller
            )
            if "ultrasound-exams" in seen and department not in ULTRASOUND_READERS:
                wrong.append(f"{caller} sees ultrasound events")
            if "births" in seen and department in NO_HEALTH:
                wrong.append(f"{caller} sees birth events")
            if department in ULTRASOUND_READERS and not {"births", "ultrasound-exams"} <= seen:
                wrong.append(f"{caller} misses health events it may see: {seen}")
    assert wrong == []


@pytest.mark.parametrize("region", [INSIDE, OUTSIDE, "420000", "000000"])
def test_each_auditor_reads_the_audit_log_of_its_jurisdiction(
    world: World, mother: Json, region: str
) -> None:
    world.person("420100")
    response = world.client.get(
        "/v1/audit-events", params={"limit": 500}, headers=world.headers("auditor", region)
    )
    assert response.status_code == 200, response.text
    regions = {e["region"] for e in response.json()["items"]}
    assert {r for r in regions if not in_jurisdiction(region, r)} == set()
    assert (INSIDE in regions) == in_jurisdiction(region, RECORD_REGION)


CONFLICTS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "births": ("maternal_health", factories.birth_body, ("certificate_no",)),
    "persons": ("public_security", factories.person_body, ("id_number",)),
    "marriages": ("civil_affairs", factories.marriage_body, ("certificate_no",)),
    "ultrasound-exams": (
        "maternal_health",
        factories.ultrasound_exam_body,
        ("facility_code", "exam_no"),
    ),
}


def _regioned(resource: str, body: Json, county: str) -> Json:
    field = {
        "births": "birth_region",
        "persons": "household_region",
        "marriages": "registry_region",
        "ultrasound-exams": "exam_region",
    }[resource]
    body = {**body, field: county}
    if resource == "persons":
        body["residence_region"] = county
    return body


@pytest.mark.parametrize("resource", sorted(CONFLICTS))
@pytest.mark.parametrize(
    ("region", "county", "named"), [(INSIDE, "420203", True), (OUTSIDE, "420102", False)]
)
def test_a_conflict_names_the_existing_record_only_inside(
    world: World, resource: str, region: str, county: str, named: bool
) -> None:
    department, new, key = CONFLICTS[resource]
    first = new()
    stored = world.client.post(
        f"/v1/{resource}", json=first, headers=world.headers(department, INSIDE)
    )
    assert stored.status_code == 201, stored.text
    again = _regioned(resource, {**new(), **{k: first[k] for k in key}}, county)
    response = world.client.post(
        f"/v1/{resource}", json=again, headers=world.headers(department, region)
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert ("existing_id" in problem) is named
    assert (stored.json()["id"] in response.text) is named
