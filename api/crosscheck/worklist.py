"""The discrepancy worklist (比对问题清单): reconciling a run's findings, reading, resolving.

A discrepancy is keyed by its finding's fingerprint, so however many runs see it, it is
reported once. Its life: a new finding opens it; people resolve it; a run that still
finds one resolved as `fixed` reopens it, while `confirmed_correct`, `merged` and
`not_applicable` are final; a run that no longer finds an open one closes it as fixed.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel import Session, and_, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from api.access.jurisdiction import jurisdiction_filter, significant_digits
from api.access.principal import Access
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.errors import Conflict, FieldError, InvalidInput, NotFound
from api.journal.append import PendingFeedEvent, pending
from api.journal.audit import person_ids_for, record_access
from api.models import Birth, Discrepancy, HouseholdEntry, Marriage, RecordVersion
from api.models.discrepancy import (
    UNRESOLVED_STATUSES,
    DiscrepancyOut,
    DiscrepancyStatus,
    Resolution,
)
from api.models.types import utcnow
from api.pagination import Page, decode_cursor, encode_cursor
from api.validation import today_in_china

RESOURCE = "discrepancies"
ALL_TYPES: frozenset[str] = frozenset(t.value for t in DiscrepancyType)
# Bound on the values of one IN (...) list, well under SQLite's and PostgreSQL's limits.
CHUNK = 2000
# Serialises reconciliations on PostgreSQL, where runs of overlapping regions (420000 and
# 420200) could otherwise insert the same fingerprint at once; SQLite writers are serial.
_RECONCILE_LOCK_KEY = 0x76697461
T = TypeVar("T")
DiscrepancyQuery = SelectOfScalar[Discrepancy]


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_overdue(row: Discrepancy, today: date | None = None) -> bool:
    """An unresolved discrepancy past its due date."""
    return row.status != DiscrepancyStatus.RESOLVED and row.due_by < (today or today_in_china())


def present(row: Discrepancy) -> dict[str, Any]:
    """The discrepancy as callers see it (JSON-ready)."""
    values = {name: getattr(row, name) for name in DiscrepancyOut.model_fields if name != "overdue"}
    values["overdue"] = is_overdue(row)
    return DiscrepancyOut.model_validate(values).model_dump(mode="json")


# -- journal, history and audit -------------------------------------------------------------


def _announce(session: Session, event_type: str, row: Discrepancy) -> None:
    pending(session).feed.append(
        PendingFeedEvent(
            type=event_type,
            resource=RESOURCE,
            record_id=row.id,
            region=row.region,
            data=present(row),
        )
    )


def _keep_version(
    session: Session, row: Discrepancy, access: Access, action: str, reason: str | None = None
) -> None:
    session.add(
        RecordVersion(
            resource=RESOURCE,
            record_id=row.id,
            version=row.version,
            action=action,
            data=present(row),
            changed_at=row.updated_at,
            changed_by=access.principal.subject,
            department=access.principal.department.value,
            reason=reason,
        )
    )


# Per subject resource: its id column, then the ID-number columns of the persons it names.
_PERSON_NUMBERS: dict[str, tuple[Any, ...]] = {
    "births": (Birth.id, Birth.mother_id_number, Birth.father_id_number),
    "household-entries": (
        HouseholdEntry.id,
        HouseholdEntry.person_id_number,
        HouseholdEntry.mother_id_number,
        HouseholdEntry.father_id_number,
    ),
    "marriages": (Marriage.id, Marriage.party_a_id_number, Marriage.party_b_id_number),
}


def subject_person_ids(session: Session, rows: Iterable[Discrepancy]) -> list[str]:
    """The persons a set of discrepancies is about, for the access log."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for subject in row.subjects:
            wanted[subject["resource"]].add(subject["id"])
    numbers: list[str | None] = []
    for resource, (key, *columns) in _PERSON_NUMBERS.items():
        for ids in chunks(sorted(wanted[resource])):
            for values in session.exec(select(*columns).where(col(key).in_(ids))):
                numbers.extend(values)
    found = sorted(wanted["persons"])
    distinct = sorted({n for n in numbers if n})
    for part in chunks(distinct):
        found.extend(person_ids_for(session, part))
    return list(dict.fromkeys(found))


def audit(session: Session, access: Access, action: str, rows: Sequence[Discrepancy]) -> None:
    """Note an access to discrepancies (personal data), in events of bounded size."""
    for part in chunks(rows, 1000):
        record_access(
            session,
            access,
            action=action,
            resource=RESOURCE,
            record_ids=[r.id for r in part],
            person_ids=subject_person_ids(session, part),
        )


def _changed(
    session: Session,
    row: Discrepancy,
    access: Access,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    row.version += 1
    row.updated_at = now
    session.add(row)
    _keep_version(session, row, access, action, reason)


# -- reconciliation -------------------------------------------------------------------------


@dataclass
class Reconciliation:
    """What one run did to the worklist."""

    counts: dict[str, int] = field(default_factory=lambda: {t: 0 for t in sorted(ALL_TYPES)})
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    unchanged: int = 0


def _lock_worklist(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECONCILE_LOCK_KEY})


def _existing(session: Session, fingerprints: Sequence[str]) -> dict[str, Discrepancy]:
    found: dict[str, Discrepancy] = {}
    for part in chunks(fingerprints):
        query = select(Discrepancy).where(col(Discrepancy.fingerprint).in_(part))
        for row in session.exec(query.with_for_update()):
            found[row.fingerprint] = row
    return found


def _refresh(row: Discrepancy, finding: Finding) -> bool:
    """Take the finding's current explanation; True if anything a caller sees changed."""
    current = (list(finding.fields), _details(finding), finding.region, _subjects(finding))
    if (row.fields, row.details, row.region, row.subjects) == current:
        return False
    row.fields, row.details, row.region, row.subjects = current
    return True


def _details(finding: Finding) -> dict[str, Any]:
    # As the JSON column will give it back, so that an unchanged explanation compares equal.
    details: dict[str, Any] = json.loads(json.dumps(finding.details, default=str))
    return details


def _subjects(finding: Finding) -> list[dict[str, str]]:
    return [{"resource": resource, "id": record_id} for resource, record_id in finding.subjects]


def reconcile(
    session: Session,
    findings: Iterable[Finding],
    *,
    run_id: str,
    region: str,
    as_of: date,
    due_days: int,
    access: Access,
    covered_types: frozenset[str] = ALL_TYPES,
) -> Reconciliation:
    """Bring the worklist of `region` in line with a run's findings (one transaction).

    Findings outside `region` are ignored; only open or reopened discrepancies inside
    `region` and of `covered_types` can be closed for not being found.
    """
    _lock_worklist(session)
    prefix = significant_digits(region)
    now, due_by = utcnow(), as_of + timedelta(days=due_days)
    found: dict[str, Finding] = {}
    for finding in findings:
        if finding.region.startswith(prefix) and finding.type.value in covered_types:
            found.setdefault(finding.fingerprint, finding)
    outcome = Reconciliation()
    touched: dict[str, list[Discrepancy]] = defaultdict(list)
    existing = _existing(session, sorted(found))
    for fingerprint, finding in found.items():
        outcome.counts[finding.type.value] = outcome.counts.get(finding.type.value, 0) + 1
        row = existing.get(fingerprint)
        if row is None:
            row = Discrepancy(
                fingerprint=fingerprint,
                type=finding.type.value,
                region=finding.region,
                status=DiscrepancyStatus.OPEN.value,
                detected_at=now,
                due_by=due_by,
                subjects=_subjects(finding),
                fields=list(finding.fields),
                details=_details(finding),
                first_run_id=run_id,
                last_seen_run_id=run_id,
                last_seen_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            _keep_version(session, row, access, "open")
            _announce(session, "discrepancy.opened", row)
            touched["open"].append(row)
            outcome.opened += 1
            continue
        row.last_seen_run_id, row.last_seen_at = run_id, now
        if row.status == DiscrepancyStatus.RESOLVED and row.resolution == Resolution.FIXED:
            _refresh(row, finding)
            row.status, row.due_by, row.reopened_at = DiscrepancyStatus.REOPENED.value, due_by, now
            row.reopen_count += 1
            row.resolution = row.note = row.resolved_by = row.resolved_at = None
            _changed(session, row, access, "reopen", now, "found again by run " + run_id)
            _announce(session, "discrepancy.reopened", row)
            touched["reopen"].append(row)
            outcome.reopened += 1
        elif row.status != DiscrepancyStatus.RESOLVED and _refresh(row, finding):
            _changed(session, row, access, "update", now)
            touched["update"].append(row)
            outcome.unchanged += 1
        else:
            session.add(row)
            outcome.unchanged += 1
    stale = select(Discrepancy).where(
        col(Discrepancy.status).in_(UNRESOLVED_STATUSES),
        col(Discrepancy.type).in_(sorted(covered_types)),
        jurisdiction_filter(col(Discrepancy.region), region),
    )
    for row in session.exec(stale.order_by(col(Discrepancy.id)).with_for_update()).all():
        if row.fingerprint in found:
            continue
        row.status, row.resolution = DiscrepancyStatus.RESOLVED.value, Resolution.FIXED.value
        row.resolved_by, row.resolved_at = f"crosscheck:{run_id}", now
        row.note = f"Closed by cross-check run {run_id}: the cause is no longer found."
        _changed(session, row, access, "close", now, row.note)
        _announce(session, "discrepancy.resolved", row)
        touched["close"].append(row)
        outcome.closed += 1
    session.flush()
    for action, rows in touched.items():
        audit(session, access, action, rows)
    return outcome


# -- reading and resolving ------------------------------------------------------------------


@dataclass(frozen=True)
class DiscrepancyFilters:
    """What a worklist query may narrow by."""

    type: str | None = None
    status: str | None = None
    region: str | None = None
    due_before: date | None = None


def filtered_query(access: Access, filters: DiscrepancyFilters) -> DiscrepancyQuery | None:
    """The discrepancies inside the caller's jurisdiction matching `filters`, by due date."""
    query = select(Discrepancy).where(
        jurisdiction_filter(
            col(Discrepancy.region), access.principal.region, requested=filters.region
        )
    )
    if filters.type:
        query = query.where(col(Discrepancy.type) == filters.type)
    if filters.status:
        query = query.where(col(Discrepancy.status) == filters.status)
    if filters.due_before:
        query = query.where(col(Discrepancy.due_by) < filters.due_before)
    return query.order_by(col(Discrepancy.due_by), col(Discrepancy.id))


def after_key(query: DiscrepancyQuery, due_by: date, last_id: str) -> DiscrepancyQuery:
    """Continue a `filtered_query` after the item `(due_by, id)`."""
    return query.where(
        or_(
            col(Discrepancy.due_by) > due_by,
            and_(col(Discrepancy.due_by) == due_by, col(Discrepancy.id) > last_id),
        )
    )


def _cursor_key(cursor: str) -> tuple[date, str]:
    due_by, last_id = decode_cursor(cursor, arity=2)
    try:
        return date.fromisoformat(str(due_by)), str(last_id)
    except ValueError:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        ) from None


def list_discrepancies(
    session: Session,
    *,
    access: Access,
    filters: DiscrepancyFilters,
    limit: int,
    cursor: str | None,
) -> Page[Discrepancy]:
    """A page of the worklist inside the caller's jurisdiction, soonest due first."""
    query = filtered_query(access, filters)
    if query is None:
        return Page([], None)
    if cursor:
        query = after_key(query, *_cursor_key(cursor))
    rows = list(session.exec(query.limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].due_by.isoformat(), rows[-1].id])
    if rows:
        audit(session, access, "list", rows)
    return Page(rows, next_cursor)


def _visible(
    session: Session, discrepancy_id: str, access: Access, *, lock: bool = False
) -> Discrepancy:
    query = select(Discrepancy).where(Discrepancy.id == discrepancy_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    # Outside the jurisdiction answers exactly like not there.
    if row is None or not access.principal.can_see(row.region):
        raise NotFound("No discrepancy with this id.")
    return row


def get_discrepancy(session: Session, discrepancy_id: str, *, access: Access) -> Discrepancy:
    """Read one discrepancy inside the caller's jurisdiction."""
    row = _visible(session, discrepancy_id, access)
    audit(session, access, "read", [row])
    return row


def resolve_discrepancy(
    session: Session, discrepancy_id: str, *, resolution: Resolution, note: str, access: Access
) -> Discrepancy:
    """Settle an open or reopened discrepancy; 409 if it is already resolved."""
    row = _visible(session, discrepancy_id, access, lock=True)
    if row.status == DiscrepancyStatus.RESOLVED:
        raise Conflict(
            f"The discrepancy is already resolved as {row.resolution}.",
            errors=[FieldError("status", "already resolved")],
        )
    now = utcnow()
    row.status, row.resolution, row.note = DiscrepancyStatus.RESOLVED.value, resolution.value, note
    row.resolved_by, row.resolved_at = access.principal.subject, now
    _changed(session, row, access, "resolve", now, note)
    _announce(session, "discrepancy.resolved", row)
    audit(session, access, "resolve", [row])
    return row


def discrepancy_history(
    session: Session, discrepancy_id: str, *, access: Access
) -> list[RecordVersion]:
    """Every version of a discrepancy, oldest first."""
    row = _visible(session, discrepancy_id, access)
    versions = session.exec(
        select(RecordVersion)
        .where(RecordVersion.resource == RESOURCE, RecordVersion.record_id == row.id)
        .order_by(col(RecordVersion.version))
    ).all()
    audit(session, access, "history", [row])
    return list(versions)
