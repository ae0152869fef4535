"""Shared helpers of the adversarial suite: callers, seeded records, and the stored state.

The suite attacks the service from outside, through HTTP with real tokens, the way the
adversarial run of issue #9 did; each module names the defect it keeps closed.
"""

import base64
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests import factories
from tests.conftest import Credentials

Headers = Callable[..., dict[str, str]]
Json = dict[str, Any]

HUANGSHI, WUHAN, BEIJING = "420200", "420100", "110000"  # callers' jurisdictions
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z*])[0-9]{17}[0-9X](?![0-9A-Za-z])")

# Tables whose rows a refused request must leave alone (the audit log may grow: refusals
# of personal-data requests are themselves audited).
STORED_TABLES = (
    "person",
    "birth",
    "ultrasound_exam",
    "household_entry",
    "marriage",
    "record_version",
    "feed_event",
    "idempotency_record",
    "birth_service_application",
    "crosscheck_run",
    "discrepancy",
    "revoked_token",
    "client",
    "staff_user",
)


def cursor_of(values: list[Any]) -> str:
    """A cursor as the service encodes them, holding whatever a forger wants."""
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def stored_state(app: FastAPI) -> tuple[Any, ...]:
    """Row counts and version sums of the stored records: equal before and after a refusal."""
    tables = SQLModel.metadata.tables
    measures: list[Any] = []
    for name in STORED_TABLES:
        table = tables.get(name)
        if table is None:
            continue
        measures.append(select(func.count()).select_from(table).scalar_subquery())
        if "version" in table.c:
            measures.append(select(func.coalesce(func.sum(table.c.version), 0)).scalar_subquery())
    with app.state.engine.connect() as connection:
        return tuple(connection.execute(select(*measures)).one())


def created(response: Any) -> Json:
    """The body of a 201, failing the test with the answer otherwise."""
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


class World:
    """Records made through the API by the departments that own them."""

    def __init__(self, client: TestClient, credentials: Credentials) -> None:
        self.client = client
        self.credentials = credentials

    def headers(self, department: str, region: str = HUANGSHI, purpose: str | None = None) -> Json:
        return self.credentials.auth_headers(department, region, purpose=purpose)

    def person(self, region: str = HUANGSHI, **overrides: Any) -> Json:
        """A person registered in a county of `region` (默认 黄石港区 420202)."""
        county = {HUANGSHI: "420202", WUHAN: "420102", BEIJING: "110101"}.get(region, region)
        body = factories.person_body(household_region=county, residence_region=county, **overrides)
        return created(
            self.client.post(
                "/v1/persons", json=body, headers=self.headers("public_security", region)
            )
        )

    def birth(self, region: str = HUANGSHI, **overrides: Any) -> Json:
        county = {HUANGSHI: "420202", WUHAN: "420102", BEIJING: "110101"}.get(region, region)
        body = factories.birth_body(birth_region=county, **overrides)
        return created(
            self.client.post(
                "/v1/births", json=body, headers=self.headers("maternal_health", region)
            )
        )

    def exam(self, examinee: Json, region: str = HUANGSHI) -> Json:
        body = factories.ultrasound_exam_body(
            examinee={"id_number": examinee["id_number"], "name": examinee["name"]}
        )
        headers = self.headers("maternal_health", region)
        return created(self.client.post("/v1/ultrasound-exams", json=body, headers=headers))


@pytest.fixture
def world(client: TestClient, credentials: Credentials) -> World:
    """Make records through the API, as their owning departments do."""
    return World(client, credentials)


@pytest.fixture
def lenient_client(app: FastAPI) -> Any:
    """A client that answers a server error with its 500 instead of raising it."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
