"""The discrepancy worklist (比对问题清单): finding, reading and resolving its items.

Everything here is cut to the caller's jurisdiction (api/access/jurisdiction.py): an item
outside it answers exactly like one that does not exist. Every read is audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, Strict
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, and_, col, not_, select
from sqlmodel.sql.expression import SelectOfScalar

from api.access.jurisdiction import digits_filter, jurisdiction_filter, narrowed
from api.access.principal import Access
from api.crosscheck.tracking import RESOURCE, announce, audit, changed
from api.errors import Conflict, FieldError, NotFound
from api.models import Discrepancy, RecordVersion
from api.models.base import SHANGHAI
from api.models.discrepancy import UNRESOLVED_STATUSES, DiscrepancyStatus, Resolution
from api.models.types import utcnow
from api.pagination import Page, keyset_page
from api.validation import normalize_region_code, normalize_region_prefix, today_in_china

DiscrepancyQuery = SelectOfScalar[Discrepancy]


def normalize_area(value: str) -> str:
    """A district or township to narrow the list by: a prefix (000000, 420200, 420202)
    or a 9/12-digit statistical code of a township or village."""
    return normalize_region_prefix(value) if len(value) == 6 else normalize_region_code(value)


Area = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_area),
    Field(
        description="District (6 digits) or township (9 digits) to narrow the list to.",
        examples=["420202", "420202001"],
        json_schema_extra={"pattern": "^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"},
    ),
]


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The instants a calendar month (in Asia/Shanghai) starts and ends at."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), tzinfo=SHANGHAI),
        datetime.combine(after, time(), tzinfo=SHANGHAI),
    )


@dataclass(frozen=True)
class DiscrepancyFilters:
    """What a worklist query may narrow by."""

    type: str | None = None
    status: str | None = None
    region: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    overdue: bool | None = None
    due_before: date | None = None
    resolved_month: date | None = None
    today: date = field(default_factory=today_in_china)


def area_filter(access: Access, area: str | None) -> ColumnElement[bool]:
    """SQL: inside the caller's jurisdiction and inside the requested district/township."""
    column = col(Discrepancy.region)
    within = jurisdiction_filter(column, access.principal.region, requested=area and area[:6])
    if area and len(area) > 6 and narrowed(access.principal.region, area[:6]) is not None:
        return and_(within, digits_filter(column, area))
    return within


def overdue_condition(today: date) -> ColumnElement[bool]:
    """SQL: unresolved and past its due date."""
    return and_(col(Discrepancy.status).in_(UNRESOLVED_STATUSES), col(Discrepancy.due_by) < today)


def filtered_query(access: Access, filters: DiscrepancyFilters) -> DiscrepancyQuery:
    """The discrepancies inside the caller's jurisdiction matching `filters` (unordered)."""
    query = select(Discrepancy).where(area_filter(access, filters.region))
    if filters.type:
        query = query.where(col(Discrepancy.type) == filters.type)
    if filters.status:
        query = query.where(col(Discrepancy.status) == filters.status)
    if filters.assignee:
        query = query.where(col(Discrepancy.assignee) == filters.assignee)
    if filters.unassigned:
        query = query.where(col(Discrepancy.assignee).is_(None))
    if filters.overdue is not None:
        late = overdue_condition(filters.today)
        query = query.where(late if filters.overdue else not_(late))
    if filters.due_before:
        query = query.where(col(Discrepancy.due_by) < filters.due_before)
    if filters.resolved_month:
        start, end = month_bounds(filters.resolved_month)
        query = query.where(
            col(Discrepancy.status) == DiscrepancyStatus.RESOLVED.value,
            col(Discrepancy.resolved_at) >= start,
            col(Discrepancy.resolved_at) < end,
        )
    return query


def page_of(
    session: Session, query: DiscrepancyQuery, *, cursor: str | None, limit: int
) -> Page[Discrepancy]:
    """One page of a `filtered_query`, soonest due first."""
    key = (col(Discrepancy.due_by), col(Discrepancy.id))
    return keyset_page(session, query, key=key, cursor=cursor, limit=limit)


def list_discrepancies(
    session: Session,
    *,
    access: Access,
    filters: DiscrepancyFilters,
    limit: int,
    cursor: str | None,
) -> Page[Discrepancy]:
    """A page of the worklist inside the caller's jurisdiction, soonest due first."""
    page = page_of(session, filtered_query(access, filters), cursor=cursor, limit=limit)
    if page.items:
        audit(session, access, "list", page.items)
    return page


def visible(
    session: Session, discrepancy_id: str, access: Access, *, lock: bool = False
) -> Discrepancy:
    """One discrepancy inside the caller's jurisdiction (404 otherwise), not yet audited."""
    query = select(Discrepancy).where(Discrepancy.id == discrepancy_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    # Outside the jurisdiction answers exactly like not there.
    if row is None or not access.principal.can_see(row.region):
        raise NotFound("No discrepancy with this id.")
    return row


def get_discrepancy(session: Session, discrepancy_id: str, *, access: Access) -> Discrepancy:
    """Read one discrepancy inside the caller's jurisdiction."""
    row = visible(session, discrepancy_id, access)
    audit(session, access, "read", [row])
    return row


def _settle(
    session: Session, row: Discrepancy, resolution: Resolution, note: str, access: Access
) -> None:
    now = utcnow()
    row.status, row.resolution, row.note = DiscrepancyStatus.RESOLVED.value, resolution.value, note
    row.resolved_by, row.resolved_at = access.principal.subject[:64], now
    changed(session, row, access, "resolve", now, note)
    announce(session, "discrepancy.resolved", row)


def resolve_discrepancy(
    session: Session, discrepancy_id: str, *, resolution: Resolution, note: str, access: Access
) -> Discrepancy:
    """Settle an open or reopened discrepancy; 409 if it is already resolved."""
    row = visible(session, discrepancy_id, access, lock=True)
    if row.status == DiscrepancyStatus.RESOLVED:
        raise Conflict(
            f"The discrepancy is already resolved as {row.resolution}.",
            errors=[FieldError("status", "already resolved")],
        )
    _settle(session, row, resolution, note, access)
    audit(session, access, "resolve", [row])
    return row


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk resolution did to each selected id, in the order given."""

    outcomes: list[tuple[str, str]]
    resolved: list[Discrepancy]


def bulk_resolve(
    session: Session, ids: Sequence[str], *, resolution: Resolution, note: str, access: Access
) -> BulkOutcome:
    """Settle every selected discrepancy that is still unresolved with one resolution.

    Each id is answered on its own: `resolved`, `already_resolved`, or `not_found` (also
    for one outside the caller's jurisdiction).
    """
    query = select(Discrepancy).where(col(Discrepancy.id).in_(list(ids)))
    rows = {r.id: r for r in session.exec(query.with_for_update()).all()}
    outcomes: list[tuple[str, str]] = []
    resolved: list[Discrepancy] = []
    for item in ids:
        row = rows.get(item)
        if row is None or not access.principal.can_see(row.region):
            outcomes.append((item, "not_found"))
        elif row.status == DiscrepancyStatus.RESOLVED:
            outcomes.append((item, "already_resolved"))
        else:
            _settle(session, row, resolution, note, access)
            outcomes.append((item, "resolved"))
            resolved.append(row)
    if resolved:
        audit(session, access, "resolve", resolved)
    return BulkOutcome(outcomes, resolved)


def discrepancy_history(
    session: Session, discrepancy_id: str, *, access: Access
) -> list[RecordVersion]:
    """Every version of a discrepancy, oldest first."""
    row = visible(session, discrepancy_id, access)
    versions = session.exec(
        select(RecordVersion)
        .where(RecordVersion.resource == RESOURCE, RecordVersion.record_id == row.id)
        .order_by(col(RecordVersion.version))
    ).all()
    audit(session, access, "history", [row])
    return list(versions)
