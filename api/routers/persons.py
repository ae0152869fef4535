"""Persons (全员人口信息): created and corrected by public security, read by every department."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Security
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.access.policy import Scope
from api.access.principal import Access
from api.deps import AccessDep, PersonsRead, PersonsWrite, SessionDep
from api.errors import Forbidden
from api.models import AuditEvent, Person
from api.models.page import named_page
from api.models.person import AccessLogEntryOut, PersonLookup, PersonOut
from api.pagination import DEFAULT_LIMIT
from api.records.registries import persons
from api.records.registries.persons import PERSONS
from api.routers import record_docs
from api.routers.openapi import problems
from api.routers.records import Cursor, Limit, add_record_routes, etag

router = APIRouter(prefix="/persons", tags=["persons"])

LookupBody = Annotated[
    PersonLookup,
    Body(openapi_examples=record_docs.examples("lookup", {"id_number": "420202199511200040"})),
]
LOOKUP_DESCRIPTION = (
    "按身份证号查找人口；身份证号放在请求体中，绝不放在网址里。辖区外或不存在答 404。\n\n"
    "The person holding this ID number, or 404 (also outside your jurisdiction). The ID "
    "number travels in the body, never in a URL."
)
ACCESS_LOG_DESCRIPTION = (
    "此人信息的访问记录，最新在前：哪个部门、出于什么用途、何时读取或更改。"
    "`persons:read` 与 `audit:read` 均只可查辖区内的人（全国审计 000000 可查所有人）；"
    "内容按查看部门可知的范围裁剪；迁入的人只显示迁入以后的记录。查看本身也会被记录。\n\n"
    "Newest first: which department read or changed this person's data, for what purpose, "
    "when. Open to `persons:read` and `audit:read` for persons inside the caller's "
    "jurisdiction (national auditors, 000000: anyone), so that whoever may read a person may "
    "also see who else did. Cut to what the reader's department may know: ultrasound events "
    "only for maternal health and auditors, birth and exam events not for civil affairs or "
    "public security, nothing from before the person moved into the reader's jurisdiction. "
    "Reading it is itself logged."
)


def _access_log_reader(access: AccessDep) -> Access:
    if not {Scope.PERSONS_READ, Scope.AUDIT_READ} & access.principal.scopes:
        raise Forbidden("The token lacks the scope persons:read or audit:read.")
    return access


# Either scope opens a person's access log; the jurisdiction bounds both.
AccessLogRead = Annotated[
    Access, Security(_access_log_reader, scopes=[Scope.PERSONS_READ, Scope.AUDIT_READ])
]


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


@router.post(
    "/lookup",
    response_model=PersonOut,
    summary="按身份证号查找人口 · Find a person by ID number",
    description=LOOKUP_DESCRIPTION,
    responses=problems(404),
)
def lookup(body: LookupBody, session: SessionDep, access: PersonsRead) -> JSONResponse:
    """The person holding this ID number, or 404."""
    row = persons.lookup_person(session, id_number=body.id_number, access=access)
    return JSONResponse(_shown(session, [row], access)[0], headers={"ETag": etag(row.version)})


@router.get(
    "/{record_id}/access-log",
    response_model=named_page("AccessLogPage", AccessLogEntryOut),
    summary="谁读取或更改过此人的信息 · Who read or changed this person's data",
    description=ACCESS_LOG_DESCRIPTION,
)
def access_log(
    record_id: str,
    session: SessionDep,
    access: AccessLogRead,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first, cut as ACCESS_LOG_DESCRIPTION says; reading it is itself logged."""
    page = persons.access_log(session, record_id, access=access, limit=limit, cursor=cursor)
    return {"items": [_entry(e) for e in page.items], "next_cursor": page.next_cursor}


add_record_routes(
    router,
    PERSONS,
    out=PersonOut,
    read=PersonsRead,
    write=PersonsWrite,
    docs=record_docs.PERSONS,
    present_rows=_shown,
)
