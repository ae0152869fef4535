"""Persons (全员人口信息): created and corrected by public security, read by every department.

The generic record routes present one record without a session, but a person read by a
health-data department also carries the ids of its births, looked up in one query per
page; so this router spells out the record routes around `api.registries.persons.shown`.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api import idempotency, records
from api.deps import AccessDep, PersonsRead, PersonsWrite, SessionDep
from api.models import AuditEvent, Person
from api.models.base import VoidBody
from api.models.person import AccessLogEntryOut, PersonIn, PersonLookup, PersonOut
from api.pagination import DEFAULT_LIMIT
from api.principal import Access
from api.records import ListFilters
from api.registries import persons
from api.registries.persons import PERSONS
from api.routers.records import (
    Cursor,
    IdempotencyKey,
    IfMatch,
    Limit,
    VersionOut,
    etag,
    parse_if_match,
)
from api.validation import RegionPrefix

router = APIRouter(prefix="/persons", tags=["persons"])


def _shown(session: Session, rows: list[Person], access: Access) -> list[dict[str, Any]]:
    # exclude_unset: `births` is left out, not null, for departments without health data.
    return [
        PersonOut.model_validate(item).model_dump(mode="json", exclude_unset=True)
        for item in persons.shown(session, rows, access=access)
    ]


def _entry(event: AuditEvent) -> dict[str, Any]:
    return AccessLogEntryOut(
        time=event.occurred_at,
        department=event.department,
        purpose=event.purpose,
        case_id=event.case_id,
        action=event.action,
        resource=event.resource,
        outcome=event.outcome,
        actor=event.actor,
        actor_type=event.actor_type,
    ).model_dump(mode="json")


@router.post(
    "",
    status_code=201,
    summary="Create a person record",
    response_model=PersonOut,
    response_model_exclude_unset=True,
)
def create(
    request: Request,
    session: SessionDep,
    access: PersonsWrite,
    body: PersonIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idempotency_key:
        fingerprint = idempotency.body_fingerprint(body.model_dump(mode="json"))
        earlier = idempotency.claim(session, access, key=idempotency_key, fingerprint=fingerprint)
        if earlier is not None:
            return JSONResponse(earlier.body, earlier.status_code, earlier.headers)
    row = records.create_record(session, PERSONS, body=body, access=access)
    answer = _shown(session, [row], access)[0]
    headers = {"ETag": etag(row.version), "Location": f"{request.url.path}/{row.id}"}
    if idempotency_key:
        idempotency.remember(
            session, access, key=idempotency_key, status_code=201, body=answer, headers=headers
        )
    return JSONResponse(answer, 201, headers)


@router.get("", summary="List person records in your jurisdiction")
def list_persons(
    session: SessionDep,
    access: PersonsRead,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    region: Annotated[RegionPrefix | None, Query()] = None,
    date_from: Annotated[date | None, Query(description="born on or after")] = None,
    date_to: Annotated[date | None, Query(description="born on or before")] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    include_voided: bool = False,
) -> dict[str, Any]:
    filters = ListFilters(region, date_from, date_to, status, include_voided)
    page = records.list_records(
        session, PERSONS, access=access, filters=filters, limit=limit, cursor=cursor
    )
    return {"items": _shown(session, page.items, access), "next_cursor": page.next_cursor}


@router.post(
    "/lookup",
    summary="Find a person by ID number (sent in the body, never the URL)",
    response_model=PersonOut,
    response_model_exclude_unset=True,
)
def lookup(body: PersonLookup, response: Response, session: SessionDep, access: PersonsRead) -> Any:
    row = persons.lookup_person(session, id_number=body.id_number, access=access)
    response.headers["ETag"] = etag(row.version)
    return _shown(session, [row], access)[0]


@router.get(
    "/{record_id}",
    summary="Read one person record",
    response_model=PersonOut,
    response_model_exclude_unset=True,
)
def read_one(record_id: str, response: Response, session: SessionDep, access: PersonsRead) -> Any:
    row = records.get_record(session, PERSONS, record_id, access=access)
    response.headers["ETag"] = etag(row.version)
    return _shown(session, [row], access)[0]


@router.patch(
    "/{record_id}",
    summary="Correct a person record",
    response_model=PersonOut,
    response_model_exclude_unset=True,
)
def correct(
    record_id: str,
    response: Response,
    session: SessionDep,
    access: PersonsWrite,
    patch: Annotated[dict[str, Any], Body(description="JSON merge patch (RFC 7396)")],
    if_match: IfMatch = None,
) -> Any:
    version = parse_if_match(if_match)
    row = records.update_record(
        session, PERSONS, record_id, expected_version=version, patch=patch, access=access
    )
    response.headers["ETag"] = etag(row.version)
    return _shown(session, [row], access)[0]


@router.post(
    "/{record_id}/void",
    summary="Void a person record (status cancelled)",
    response_model=PersonOut,
    response_model_exclude_unset=True,
)
def void(
    record_id: str, body: VoidBody, response: Response, session: SessionDep, access: PersonsWrite
) -> Any:
    row = records.void_record(session, PERSONS, record_id, reason=body.reason, access=access)
    response.headers["ETag"] = etag(row.version)
    return _shown(session, [row], access)[0]


@router.get("/{record_id}/history", summary="Every version of a person record")
def history(record_id: str, session: SessionDep, access: PersonsRead) -> dict[str, Any]:
    versions = records.record_history(session, PERSONS, record_id, access=access)
    items = [
        VersionOut(
            version=v.version,
            action=v.action,
            changed_at=v.changed_at,
            changed_by=v.changed_by,
            department=v.department,
            reason=v.reason,
            record=PersonOut.model_validate(PERSONS.present(v.data, access)).model_dump(
                mode="json", exclude_unset=True
            ),
        ).model_dump(mode="json")
        for v in versions
    ]
    return {"items": items, "next_cursor": None}


@router.get("/{record_id}/access-log", summary="Who read or changed this person's data")
def access_log(
    record_id: str,
    session: SessionDep,
    access: AccessDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. Open to `audit:read` for any person, and to `persons:read` for persons
    inside the caller's jurisdiction (the portal shows it beside a looked-up person), so that
    whoever may read a person may also see who else did. Reading it is itself logged."""
    page = persons.access_log(session, record_id, access=access, limit=limit, cursor=cursor)
    return {"items": [_entry(e) for e in page.items], "next_cursor": page.next_cursor}
