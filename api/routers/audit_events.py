"""The audit log (`GET /v1/audit-events`): who read or changed personal data, newest first."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import AuditRead, SessionDep
from api.journal import audit
from api.models.audit_event import AuditEventOut
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/audit-events", tags=["audit"])

Code = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("", summary="Audit events, newest first (reading them is audited too)")
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
    occurred_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    occurred_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
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
