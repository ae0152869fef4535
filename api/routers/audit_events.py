"""The audit log (`GET /v1/audit-events`): who read or changed personal data, newest first."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import AuditRead, SessionDep
from api.journal import audit
from api.models.audit_event import AuditEventOut
from api.models.page import named_page
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.validation import EventInstant

router = APIRouter(prefix="/audit-events", tags=["audit"])

Code = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get(
    "",
    response_model=named_page("AuditEventPage", AuditEventOut),
    summary="审计日志，最新在前 · Audit events, newest first",
    description=(
        "谁在何时、出于何种用途读取或更改了哪些个人数据，以及结果；日志只增不改，按哈希链防篡改。"
        "读取审计日志本身也会被记录。\n\n"
        "Who read or changed which personal data, when, for what purpose, with what outcome. "
        "The log is append-only and hash-chained (`chain`, `prev_hash`, `hash`); reading it "
        "is audited too. `from` and `to` take RFC 3339 instants with an offset."
    ),
)
def list_audit_events(
    session: SessionDep,
    access: AuditRead,
    actor: Code = None,
    department: Code = None,
    purpose: Code = None,
    resource: Code = None,
    action: Code = None,
    outcome: Code = None,
    record_id: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z-]{1,64}$")] = None,
    occurred_from: Annotated[EventInstant | None, Query(alias="from")] = None,
    occurred_to: Annotated[EventInstant | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    filters = audit.AuditFilters(
        actor, department, purpose, resource, record_id, action, outcome, occurred_from, occurred_to
    )
    page = audit.list_audit_events(
        session, access=access, filters=filters, limit=limit, cursor=cursor
    )
    items = [AuditEventOut.model_validate(e, from_attributes=True) for e in page.items]
    return {"items": [i.model_dump(mode="json") for i in items], "next_cursor": page.next_cursor}
