"""What every change to a discrepancy leaves behind: a version, a feed event, an audit entry.

Shared by the run's reconciliation and by the people working the list, so that both
journal their changes the same way.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from api.access.principal import Access
from api.bulk.rows import among
from api.journal.append import PendingFeedEvent, pending
from api.journal.audit import record_access
from api.models import Birth, Discrepancy, HouseholdEntry, Marriage, Person, RecordVersion
from api.models.base import to_shanghai
from api.models.discrepancy import DiscrepancyOut, DiscrepancyStatus, Resolution, subject_href
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


@lru_cache(maxsize=256)
def _shown(value: datetime) -> str:
    # A run stamps thousands of rows with one instant: render it once.
    return to_shanghai(value)


def _instant(value: datetime | None) -> str | None:
    return None if value is None else _shown(value)


def present(row: Discrepancy) -> dict[str, Any]:
    """The discrepancy as stored and announced (JSON-ready, the same for every reader)."""
    return present_values({name: getattr(row, name) for name in _PRESENTED})


# The columns `DiscrepancyOut` shows (`overdue` is derived, `subjects` gain their href).
_PRESENTED = tuple(n for n in DiscrepancyOut.model_fields if n != "overdue")


def present_values(values: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """`present` of a row given as its column values: `DiscrepancyOut` in JSON, built directly.

    Bulk writers present a row per change, so the shape is written out here rather than
    validated by pydantic (tests hold the two equal).
    """
    status = DiscrepancyStatus(values["status"]).value
    resolution = values["resolution"]
    return {
        "id": values["id"],
        "version": values["version"],
        "created_at": _instant(values["created_at"]),
        "updated_at": _instant(values["updated_at"]),
        "source": values["source"],
        "type": values["type"],
        "region": values["region"],
        "status": status,
        "detected_at": _instant(values["detected_at"]),
        "due_by": values["due_by"].isoformat(),
        "overdue": status != DiscrepancyStatus.RESOLVED
        and values["due_by"] < (today or today_in_china()),
        "subjects": [
            {"resource": s["resource"], "id": s["id"], "href": subject_href(s["resource"], s["id"])}
            for s in values["subjects"]
        ],
        "fields": list(values["fields"]),
        "details": dict(values["details"]),
        "resolution": None if resolution is None else Resolution(resolution).value,
        "note": values["note"],
        "resolved_by": values["resolved_by"],
        "resolved_at": _instant(values["resolved_at"]),
        "reopened_at": _instant(values["reopened_at"]),
        "reopen_count": values["reopen_count"],
        "first_run_id": values["first_run_id"],
        "last_seen_run_id": values["last_seen_run_id"],
        "assignee": values["assignee"],
        "assigned_at": _instant(values["assigned_at"]),
    }


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


class SubjectPersons:
    """The persons the subjects of many discrepancies name, looked up once for them all."""

    def __init__(self, session: Session, subjects: Iterable[Sequence[Mapping[str, str]]]) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        for items in subjects:
            for subject in items:
                wanted[subject["resource"]].add(subject["id"])
        # (resource, record id) -> the (ID number, person id) of each person it names.
        self.named: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        connection = session.connection()
        for resource, (key, *columns) in _PERSON_NUMBERS.items():
            query = (
                select(key, Person.id_number, Person.id)
                .select_from(key.class_)
                .join(Person, col(Person.id_number).in_(columns))
            )
            for ids in chunks(sorted(wanted[resource])):
                for record_id, number, person_id in connection.execute(
                    query.where(among(session, [key], [(i,) for i in ids]))
                ).all():
                    self.named[(resource, record_id)].append((number, person_id))

    def of(self, subjects: Iterable[Sequence[Mapping[str, str]]]) -> list[str]:
        """The ids of the persons some of those discrepancies are about."""
        own: set[str] = set()
        named: set[tuple[str, str]] = set()
        for items in subjects:
            for s in items:
                if s["resource"] == "persons":
                    own.add(s["id"])
                named.update(self.named.get((s["resource"], s["id"]), ()))
        # The subjects that are persons, then the persons named, by ID number.
        return list(dict.fromkeys([*sorted(own), *(p for _, p in sorted(named))]))


def subject_person_ids(session: Session, rows: Iterable[Discrepancy]) -> list[str]:
    """The persons a set of discrepancies is about, for the access log."""
    subjects = [row.subjects for row in rows]
    return SubjectPersons(session, subjects).of(subjects)


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
