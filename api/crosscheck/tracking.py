"""What every change to a discrepancy leaves behind: a version, a feed event, an audit entry.

Shared by the run's reconciliation and by the people working the list, so that both
journal their changes the same way.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from api.access.principal import Access
from api.journal.append import PendingFeedEvent, pending
from api.journal.audit import person_ids_for, record_access
from api.models import Birth, Discrepancy, HouseholdEntry, Marriage, RecordVersion
from api.models.discrepancy import DiscrepancyOut, DiscrepancyStatus, subject_href
from api.validation import today_in_china

RESOURCE = "discrepancies"
# Bound on the values of one IN (...) list, well under SQLite's and PostgreSQL's limits.
CHUNK = 2000
REASON_MAX = 500
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_overdue(row: Discrepancy, today: date | None = None) -> bool:
    """An unresolved discrepancy past its due date."""
    return row.status != DiscrepancyStatus.RESOLVED and row.due_by < (today or today_in_china())


def present(row: Discrepancy) -> dict[str, Any]:
    """The discrepancy as stored and announced (JSON-ready, the same for every reader)."""
    names = (n for n in DiscrepancyOut.model_fields if n not in ("overdue", "subjects"))
    values: dict[str, Any] = {name: getattr(row, name) for name in names}
    values["overdue"] = is_overdue(row)
    values["subjects"] = [{**s, "href": subject_href(s["resource"], s["id"])} for s in row.subjects]
    return DiscrepancyOut.model_validate(values).model_dump(mode="json")


def announce(session: Session, event_type: str, row: Discrepancy) -> None:
    """Queue a feed event about the discrepancy, sent when the work commits."""
    pending(session).feed.append(
        PendingFeedEvent(
            type=event_type,
            resource=RESOURCE,
            record_id=row.id,
            region=row.region,
            data=present(row),
        )
    )


def keep_version(
    session: Session, row: Discrepancy, access: Access, action: str, reason: str | None = None
) -> None:
    """Store the discrepancy as it is now as one version of its history."""
    session.add(
        RecordVersion(
            resource=RESOURCE,
            record_id=row.id,
            version=row.version,
            action=action,
            data=present(row),
            changed_at=row.updated_at,
            changed_by=access.principal.subject[:64],
            department=access.principal.department.value,
            reason=reason[:REASON_MAX] if reason else None,
        )
    )


def changed(
    session: Session,
    row: Discrepancy,
    access: Access,
    action: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Count a change: a new version number, the time, and the version kept."""
    row.version += 1
    row.updated_at = now
    session.add(row)
    keep_version(session, row, access, action, reason)


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
