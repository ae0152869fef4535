"""Who may call which /v1 route, inside and outside their jurisdiction (interface §3).

`POLICY` below is the one table a reviewer reads: for every /v1 route, the callers that
may use it and what their jurisdiction changes. Each route is then called by a client of
every department and a staff user of every health-commission role, once inside the
record's jurisdiction (Huangshi 420200, records in 420202) and once outside it (Wuhan
420100), with a real token, and the answer must match the table:

    not among `who`           -> 403
    among `who`, inside       -> 2xx
    among `who`, outside      -> RECORD: 404 (existence not revealed), CREATE: 403 (the
                                 body's region is not theirs), ANYWHERE: 2xx (the answer
                                 is cut to the jurisdiction, or the route is not bound to one)
    no token at all           -> 401 with `WWW-Authenticate: Bearer`

A /v1 route missing from the table fails `test_every_v1_route_is_in_the_policy_table`: a
new route is not done until its row is written here.
"""

import itertools
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import app as app_module
from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department
from api.access.principal import Access, Principal
from api.applications.kind import APPLICATIONS
from api.certificates.issuing import issue_certificate
from api.db import unit_of_work
from api.models import CrosscheckRun, Discrepancy
from api.models.birth import BirthIn
from api.models.birth_service_application import ApplicationIn
from api.models.household_entry import HouseholdEntryIn
from api.models.marriage import MarriageIn
from api.models.person import PersonIn
from api.models.ultrasound_exam import UltrasoundExamIn
from api.records import core as records
from api.records.core import RecordKind
from api.records.registries.births import BIRTHS
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES
from api.records.registries.marriages import MARRIAGES
from api.records.registries.persons import PERSONS
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS
from api.validation import today_in_china
from tests import factories
from tests.conftest import Credentials

INSIDE, OUTSIDE = "420200", "420100"  # the callers' jurisdictions; records live in 420202
RECORD_REGION = factories.REGION


class Reach(Enum):
    """What the caller's jurisdiction changes about a route's answer."""

    RECORD = "outside: 404"
    CREATE = "outside: 403"
    ANYWHERE = "outside: 2xx"


# -- the callers -------------------------------------------------------------------------

MH, PS, CA, HC = "maternal_health", "public_security", "civil_affairs", "health_commission"
AUDITOR, ADMIN = "auditor", "admin"
CLERK, REVIEWER, SUPERVISOR = "clerk", "reviewer", "supervisor"  # health-commission staff
CLIENTS = (MH, PS, CA, HC, AUDITOR, ADMIN)
STAFF = (CLERK, REVIEWER, SUPERVISOR)
CALLERS = CLIENTS + STAFF

# Who holds what, by interface §3 (written out, not computed from api.access.policy).
PERSONS_READ = {MH, PS, CA, HC, ADMIN, CLERK, REVIEWER, SUPERVISOR}
PERSONS_WRITE = {PS, ADMIN}
BIRTHS_READ = {MH, PS, HC, ADMIN}
BIRTHS_WRITE = {MH, ADMIN}
ULTRASOUND_READ = {MH, AUDITOR}  # "readable only by maternal_health and auditor": not admin
ULTRASOUND_WRITE = {MH}
HOUSEHOLDS_READ = {PS, HC, ADMIN}
HOUSEHOLDS_WRITE = {PS, ADMIN}
MARRIAGES_READ = {PS, CA, HC, ADMIN}
MARRIAGES_WRITE = {CA, ADMIN}
CROSSCHECK_READ = {HC, ADMIN, CLERK, REVIEWER, SUPERVISOR}
CROSSCHECK_RUN = {HC, ADMIN, SUPERVISOR}
CROSSCHECK_RESOLVE = {HC, ADMIN, CLERK, REVIEWER, SUPERVISOR}
FEED_READ = {MH, PS, CA, HC, ADMIN}
AUDIT_READ = {AUDITOR, ADMIN}
APPLICATIONS_READ = APPLICATIONS_WRITE = {HC, ADMIN, CLERK, REVIEWER, SUPERVISOR}
APPLICATIONS_REVIEW = {HC, ADMIN, REVIEWER, SUPERVISOR}
# /v1 routes answered without a token (interface §4: certificate verification).
PUBLIC_V1 = {"GET /v1/certificates/verify"}


# -- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may call one route, and what a request to it looks like."""

    who: set[str]
    reach: Reach
    target: str | None = None  # the seeded record that `{id}` in the path names
    body: Callable[["Seeded"], Any] | None = None
    ndjson: bool = False  # the body is sent as one NDJSON line
    anywhere: set[str] = field(default_factory=set)  # reach records outside their jurisdiction


@dataclass(frozen=True)
class Seeded:
    """A record made for one call, in RECORD_REGION."""

    id: str
    values: dict[str, Any]


R, C, A = Reach.RECORD, Reach.CREATE, Reach.ANYWHERE
# Seven, so that the three callers admitted inside (calls 6, 10 and 16) name three different ones.
COUNTIES = itertools.cycle(("420202", "420203", "420204", "420205", "420222", "420281", "420200"))
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
VOID = {"reason": "授权矩阵测试"}
NO_CHANGE: dict[str, Any] = {}


def registry_rules(
    resource: str, read: set[str], write: set[str], new: Callable[[], dict[str, Any]]
) -> dict[str, Rule]:
    """The rows of a registry served by api/routers/records.py (or spelled out like it)."""
    return {
        f"POST /v1/{resource}": Rule(write, C, body=lambda _: new()),
        f"GET /v1/{resource}": Rule(read, A),
        f"GET /v1/{resource}/{{id}}": Rule(read, R, resource),
        f"PATCH /v1/{resource}/{{id}}": Rule(write, R, resource, lambda _: NO_CHANGE),
        f"POST /v1/{resource}/{{id}}/void": Rule(write, R, resource, lambda _: VOID),
        f"GET /v1/{resource}/{{id}}/history": Rule(read, R, resource),
        # Lines outside the jurisdiction are rejected one by one in a 200 answer.
        f"POST /v1/{resource}:import": Rule(write, A, body=lambda _: new(), ndjson=True),
    }


def application_rules() -> dict[str, Rule]:
    """Birth-service applications: each transition on an application in the status it needs."""
    url = "/v1/birth-service-applications"
    submitted, issued = "applications", "applications-issued"
    return {
        f"POST {url}": Rule(APPLICATIONS_WRITE, C, body=lambda _: factories.application_body()),
        f"GET {url}": Rule(APPLICATIONS_READ, A),
        f"GET {url}/{{id}}": Rule(APPLICATIONS_READ, R, submitted),
        f"PATCH {url}/{{id}}": Rule(
            APPLICATIONS_WRITE, R, "applications-needing-correction", lambda _: NO_CHANGE
        ),
        f"GET {url}/{{id}}/history": Rule(APPLICATIONS_READ, R, submitted),
        f"POST {url}/{{id}}/issue": Rule(APPLICATIONS_REVIEW, R, submitted),
        f"POST {url}/{{id}}/request-correction": Rule(
            APPLICATIONS_REVIEW, R, submitted, lambda _: {"reasons": ["矩阵测试"]}
        ),
        f"POST {url}/{{id}}/reject": Rule(
            APPLICATIONS_REVIEW, R, submitted, lambda _: {"reason": "矩阵测试"}
        ),
        f"POST {url}/{{id}}/withdraw": Rule(APPLICATIONS_WRITE, R, submitted, lambda _: {}),
        f"POST {url}/{{id}}/reissue": Rule(
            APPLICATIONS_REVIEW, R, issued, lambda _: {"reason": "矩阵测试"}
        ),
        f"GET {url}/{{id}}/certificate.pdf": Rule(APPLICATIONS_READ, R, issued),
        f"GET {url}/{{id}}/certificate.jws": Rule(APPLICATIONS_READ, R, issued),
    }


POLICY: dict[str, Rule] = {
    **registry_rules("births", BIRTHS_READ, BIRTHS_WRITE, factories.birth_body),
    **registry_rules(
        "ultrasound-exams", ULTRASOUND_READ, ULTRASOUND_WRITE, factories.ultrasound_exam_body
    ),
    **registry_rules("persons", PERSONS_READ, PERSONS_WRITE, factories.person_body),
    "POST /v1/persons/lookup": Rule(
        PERSONS_READ, R, "persons", lambda s: {"id_number": s.values["id_number"]}
    ),
    # Auditors too read the access logs of their own jurisdiction only (national: all).
    "GET /v1/persons/{id}/access-log": Rule(PERSONS_READ | AUDIT_READ, R, "persons"),
    **registry_rules(
        "household-entries", HOUSEHOLDS_READ, HOUSEHOLDS_WRITE, factories.household_entry_body
    ),
    **registry_rules("marriages", MARRIAGES_READ, MARRIAGES_WRITE, factories.marriage_body),
    # Runs wait for a worker, so each accepted request names a county of its own.
    "POST /v1/crosscheck/runs": Rule(CROSSCHECK_RUN, C, body=lambda _: {"region": next(COUNTIES)}),
    "GET /v1/crosscheck/runs": Rule(CROSSCHECK_READ, A),
    "GET /v1/crosscheck/runs/{id}": Rule(CROSSCHECK_READ, R, "crosscheck-runs"),
    "GET /v1/discrepancies": Rule(CROSSCHECK_READ, A),
    "GET /v1/discrepancies/{id}": Rule(CROSSCHECK_READ, R, "discrepancies"),
    "POST /v1/discrepancies/{id}/resolve": Rule(
        CROSSCHECK_RESOLVE,
        R,
        "discrepancies",
        lambda _: {"resolution": "confirmed_correct", "note": "核实无误"},
    ),
    "GET /v1/discrepancies/{id}/history": Rule(CROSSCHECK_READ, R, "discrepancies"),
    "GET /v1/discrepancies/report": Rule(CROSSCHECK_READ, A),
    # Ids outside the jurisdiction are answered one by one (not_found) in a 200 answer.
    "POST /v1/discrepancies/bulk-resolve": Rule(
        CROSSCHECK_RESOLVE,
        A,
        body=lambda _: {"ids": [NO_SUCH_ID], "resolution": "fixed", "note": "矩阵测试"},
    ),
    "POST /v1/discrepancies/{id}/assign": Rule(
        CROSSCHECK_RESOLVE, R, "discrepancies", lambda _: {"assignee": None}
    ),
    "GET /v1/discrepancies/{id}/assignees": Rule(CROSSCHECK_RESOLVE, R, "discrepancies"),
    "GET /v1/discrepancies/{id}/comments": Rule(CROSSCHECK_READ, R, "discrepancies"),
    "POST /v1/discrepancies/{id}/comments": Rule(
        CROSSCHECK_RESOLVE, R, "discrepancies", lambda _: {"body": "矩阵测试"}
    ),
    # Aggregates cut to the caller's jurisdiction (stats:read: the commission and admin).
    **{
        f"GET /v1/stats/{name}": Rule({HC, ADMIN, CLERK, REVIEWER, SUPERVISOR}, A)
        for name in (
            "births-by-month",
            "sex-ratio",
            "registration-completeness",
            "discrepancy-closure",
            "online-share",
        )
    },
    "GET /v1/feed": Rule(FEED_READ, A),
    "GET /v1/audit-events": Rule(AUDIT_READ, A),
    **application_rules(),
}


def expected(rule: Rule, caller: str, outside: bool) -> str:
    """The answer the table prescribes: '2xx', '403' or '404'."""
    if caller not in rule.who:
        return "403"
    if not outside or rule.reach is Reach.ANYWHERE or caller in rule.anywhere:
        return "2xx"
    return "404" if rule.reach is Reach.RECORD else "403"


# -- seeding the records a call names --------------------------------------------------------


def _service_access(department: str) -> Access:
    dept = Department(department)
    principal = Principal(
        subject=f"matrix-seed-{dept.value}",
        actor_type="client",
        department=dept,
        region="000000",
        scopes=frozenset(DEPARTMENT_SCOPES[dept]),
        purposes=DEPARTMENT_PURPOSES[dept],
        jti="seed",
    )
    return Access(principal, principal.purposes[0])


RECORD_SEEDS: dict[
    str, tuple[RecordKind[Any], type[BaseModel], Callable[[], dict[str, Any]], str]
] = {
    "births": (BIRTHS, BirthIn, factories.birth_body, MH),
    "ultrasound-exams": (ULTRASOUND_EXAMS, UltrasoundExamIn, factories.ultrasound_exam_body, MH),
    "persons": (PERSONS, PersonIn, factories.person_body, PS),
    "household-entries": (
        HOUSEHOLD_ENTRIES,
        HouseholdEntryIn,
        factories.household_entry_body,
        PS,
    ),
    "marriages": (MARRIAGES, MarriageIn, factories.marriage_body, CA),
}


APPLICATION_STATUSES = {
    "applications": "submitted",
    "applications-needing-correction": "needs_correction",
    "applications-issued": "issued",
}


def _seed_application(session: Any, target: str) -> Seeded:
    # Written in the status the call needs at version 1 (the call sends If-Match: "1").
    body = ApplicationIn.model_validate(factories.application_body())
    status = APPLICATION_STATUSES[target]
    extra = {"status": status, "checks": [], "status_history": [], "created_by": "matrix"}
    row = records.create_record(
        session, APPLICATIONS, body=body, access=_service_access(HC), extra=extra
    )
    if status == "issued":
        issued = issue_certificate(session, row, issued_by="matrix", today=today_in_china())
        row.certificate_no = issued.certificate.certificate_no
        row.issued_on = issued.certificate.issued_on
        session.add(row)
    return Seeded(row.id, {})


def seed(app: FastAPI, target: str) -> Seeded:
    """Create the record a call names, in RECORD_REGION, through the services."""
    with unit_of_work(app.state.engine) as session:
        if target in APPLICATION_STATUSES:
            return _seed_application(session, target)
        if target in RECORD_SEEDS:
            kind, schema, new, department = RECORD_SEEDS[target]
            body = schema.model_validate(new())
            row = records.create_record(
                session, kind, body=body, access=_service_access(department)
            )
            return Seeded(row.id, row.model_dump())
        if target == "crosscheck-runs":
            run = CrosscheckRun(
                region=RECORD_REGION,
                as_of=today_in_china(),
                status="succeeded",
                requested_by="matrix",
                requested_department=HC,
            )
            session.add(run)
            session.flush()
            return Seeded(run.id, {})
        assert target == "discrepancies", target
        discrepancy = Discrepancy(
            fingerprint=secrets.token_hex(16),
            type="BIRTH_NOT_REGISTERED",
            region=RECORD_REGION,
            due_by=today_in_china() + timedelta(days=30),
            subjects=[{"resource": "births", "id": "00000000-0000-4000-8000-000000000000"}],
            first_run_id="matrix",
            last_seen_run_id="matrix",
        )
        session.add(discrepancy)
        session.flush()
        return Seeded(discrepancy.id, {})


# -- calling the routes ------------------------------------------------------------------------


def v1_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app serves under /v1, however its routers are nested."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # an included router, as FastAPI keeps it
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
                    yield method, prefix + route.path

    for method, path in walk(app.routes, ""):
        if path.startswith("/v1/"):
            yield method, path


def route_key(method: str, path: str) -> str:
    """`POST /v1/births/{id}/void`: the path with every parameter written `{id}`."""
    parts = ["{id}" if p.startswith("{") else p for p in path.split("/")]
    return f"{method} {'/'.join(parts)}"


def call(
    client: TestClient, key: str, rule: Rule, target: Seeded | None, headers: dict[str, str]
) -> int:
    method, path = key.split(" ", 1)
    if target is not None:
        path = path.replace("{id}", target.id)
        headers = {**headers, "If-Match": '"1"'}
    body = rule.body(target or Seeded("", {})) if rule.body else None
    if rule.ndjson:
        headers = {**headers, "Content-Type": "application/x-ndjson"}
        response = client.request(method, path, content=json.dumps(body) + "\n", headers=headers)
    elif body is not None:
        response = client.request(method, path, json=body, headers=headers)
    else:
        response = client.request(method, path, headers=headers)
    return response.status_code


def outcome(status: int) -> str:
    return "2xx" if 200 <= status < 300 else str(status)


def tokens_of(credentials: Credentials) -> dict[tuple[str, bool], dict[str, str]]:
    """A bearer header for every caller, inside and outside."""
    headers = {}
    for caller in CALLERS:
        for outside in (False, True):
            region = OUTSIDE if outside else INSIDE
            token = (
                credentials.staff_token(caller, region)
                if caller in STAFF
                else credentials.token_for(caller, region)
            )
            headers[(caller, outside)] = {"Authorization": f"Bearer {token}"}
    return headers


# -- the tests ---------------------------------------------------------------------------------


def test_every_v1_route_is_in_the_policy_table(app: FastAPI) -> None:
    served = {route_key(m, p) for m, p in v1_routes(app)} - PUBLIC_V1
    missing = sorted(served - POLICY.keys())
    stale = sorted(POLICY.keys() - served)
    assert not missing, f"/v1 routes without a row in POLICY: {missing}"
    assert not stale, f"POLICY rows for routes the app does not serve: {stale}"


def test_the_route_walk_sees_every_documented_route(app: FastAPI) -> None:
    documented = {
        route_key(method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }
    assert documented <= {route_key(m, p) for m, p in v1_routes(app)}


def test_every_v1_route_answers_401_without_a_token(app: FastAPI, client: TestClient) -> None:
    public_paths = {
        getattr(r, "path", "") for router in app_module.PUBLIC_ROUTERS for r in router.routes
    }
    wrong = {}
    for method, path in v1_routes(app):
        if route_key(method, path) in PUBLIC_V1:
            assert path in public_paths
            continue
        assert path not in public_paths
        response = client.request(method, path.replace("{", "").replace("}", ""))
        challenge = response.headers.get("WWW-Authenticate")
        if response.status_code != 401 or challenge != "Bearer":
            wrong[route_key(method, path)] = (response.status_code, challenge)
    assert not wrong, f"answered without a token: {wrong}"


@pytest.mark.parametrize("key", sorted(POLICY))
def test_each_caller_gets_what_the_policy_table_says(
    key: str, app: FastAPI, client: TestClient, credentials: Credentials
) -> None:
    rule = POLICY[key]
    headers = tokens_of(credentials)
    mismatches = []
    for caller in CALLERS:
        for outside in (False, True):
            target = seed(app, rule.target) if rule.target else None
            got = outcome(call(client, key, rule, target, headers[(caller, outside)]))
            want = expected(rule, caller, outside)
            if got != want:
                where = "outside" if outside else "inside"
                mismatches.append(f"{caller} {where}: expected {want}, got {got}")
    assert not mismatches, f"{key}:\n" + "\n".join(mismatches)
