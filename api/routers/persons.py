"""Persons (全员人口信息): created and corrected by public security, read by every department."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.access.principal import Access
from api.deps import AccessDep, PersonsRead, PersonsWrite, SessionDep
from api.models import AuditEvent, Person
from api.models.person import AccessLogEntryOut, PersonLookup, PersonOut
from api.pagination import DEFAULT_LIMIT
from api.records.registries import persons
from api.records.registries.persons import PERSONS
from api.routers.records import Cursor, Limit, add_record_routes, etag

router = APIRouter(prefix="/persons", tags=["persons"])


def _shown(session: Session, rows: list[Person], access: Access) -> list[dict[str, Any]]:
    # A person read by a health-data department also carries its births: one query a page.
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


@router.post("/lookup", summary="Find a person by ID number (sent in the body, never the URL)")
def lookup(body: PersonLookup, session: SessionDep, access: PersonsRead) -> JSONResponse:
    """The person holding this ID number, or 404."""
    row = persons.lookup_person(session, id_number=body.id_number, access=access)
    return JSONResponse(_shown(session, [row], access)[0], headers={"ETag": etag(row.version)})


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


add_record_routes(
    router, PERSONS, out=PersonOut, read=PersonsRead, write=PersonsWrite, present_rows=_shown
)
