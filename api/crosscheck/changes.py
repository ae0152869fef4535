"""A run's changes to the worklist, written a chunk at a time in a few bulk statements.

reconcile.py decides what happens to each discrepancy; a `ChangeSet` collects the rows
that decision touches and what each change leaves behind, exactly as tracking.py journals
a person's change to one row: a version per change (the row as presented), a feed event
for opened, reopened and closed items, and an access-log event per action for at most
1000 rows. `write` then stores a chunk with one statement per kind of row (COPY on
PostgreSQL, one executemany on SQLite), instead of an ORM object per row.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, case, update
from sqlmodel import Session

from api.access.principal import Access
from api.bulk.rows import Row, among, insert_rows, new_ids, to_json, update_rows
from api.crosscheck.tracking import REASON_MAX, RESOURCE, SubjectPersons, chunks, present_values
from api.journal.audit import record_access
from api.journal.bulk import append_feed_rows, append_queued_audit, feed_row
from api.models import Discrepancy, RecordVersion
from api.models.types import utcnow
from api.validation import today_in_china

DISCREPANCIES = Discrepancy.__table__  # type: ignore[attr-defined]
_VERSIONS = RecordVersion.__table__  # type: ignore[attr-defined]
# Rows per access-log event, as tracking.audit cuts them.
AUDIT_ROWS = 1000
_D = DISCREPANCIES.c
Subjects = list[dict[str, str]]
# Found again and otherwise unchanged: only the last sighting moves (never back in time).
_SIGHTED = update(DISCREPANCIES).values(
    last_seen_run_id=bindparam("run_id"),
    last_seen_at=bindparam("now", type_=_D.last_seen_at.type),
    last_seen_as_of=case(
        (
            _D.last_seen_as_of > bindparam("as_of", type_=_D.last_seen_as_of.type),
            _D.last_seen_as_of,
        ),
        else_=bindparam("as_of", type_=_D.last_seen_as_of.type),
    ),
)


@dataclass(frozen=True)
class Sighting:
    """Who saw the discrepancies of a chunk: the run, when, and as of which day."""

    run_id: str
    now: datetime
    as_of: date
    access: Access


@dataclass
class ChangeSet:
    """The rows one chunk of a reconciliation opens, changes or merely sees again."""

    sighting: Sighting
    opened: list[Row] = field(default_factory=list)
    changed: list[Row] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    versions: list[Row] = field(default_factory=list)
    feed: list[Row] = field(default_factory=list)
    # Per action, the (id, subjects) of each row it touched.
    audited: dict[str, list[tuple[str, Subjects]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    today: date = field(default_factory=today_in_china)

    def open(self, row: Row) -> None:
        """Insert a new discrepancy (version 1), announced as opened."""
        self.opened.append(row)
        self._journal(row, "open", None, "discrepancy.opened")

    def change(
        self, row: Row, action: str, reason: str | None = None, event: str | None = None
    ) -> None:
        """Count a change to a stored row (a new version), announced as `event` if given."""
        row["version"] += 1
        row["updated_at"] = self.sighting.now
        self.changed.append(row)
        self._journal(row, action, reason, event)

    def see(self, row_id: str) -> None:
        """Note that a stored row was found again, and nothing else about it changed."""
        self.seen.append(row_id)

    def _journal(self, row: Row, action: str, reason: str | None, event: str | None) -> None:
        data = to_json(present_values(row, self.today))
        principal = self.sighting.access.principal
        self.versions.append(
            {
                "resource": RESOURCE,
                "record_id": row["id"],
                "version": row["version"],
                "action": action,
                "data": data,
                "changed_at": row["updated_at"],
                "changed_by": principal.subject[:64],
                "department": principal.department.value,
                "reason": reason[:REASON_MAX] if reason else None,
            }
        )
        if event is not None:
            self.feed.append(
                feed_row(
                    type=event,
                    resource=RESOURCE,
                    record_id=row["id"],
                    region=row["region"],
                    data=data,
                    at=utcnow(),
                )
            )
        self.audited[action].append((row["id"], row["subjects"]))

    def write(self, session: Session) -> None:
        """Store the chunk: rows, versions, feed events, and its access-log events queued."""
        insert_rows(session, DISCREPANCIES, self.opened)
        sighting = self.sighting
        for part in chunks(self.seen):
            session.execute(
                _SIGHTED.where(among(session, [_D.id], [(i,) for i in part])),
                {"ids": list(part), "run_id": sighting.run_id, "now": sighting.now}
                | {"as_of": sighting.as_of},
            )
        update_rows(session, DISCREPANCIES, self.changed)
        for version, row_id in zip(self.versions, new_ids(len(self.versions)), strict=True):
            version["id"] = row_id
        insert_rows(session, _VERSIONS, self.versions)
        append_feed_rows(session, self.feed)
        self._audit(session)

    def _audit(self, session: Session) -> None:
        every = [subjects for touched in self.audited.values() for _, subjects in touched]
        persons = SubjectPersons(session, every)
        for action, touched in self.audited.items():
            for part in chunks(touched, AUDIT_ROWS):
                record_access(
                    session,
                    self.sighting.access,
                    action=action,
                    resource=RESOURCE,
                    record_ids=[row_id for row_id, _ in part],
                    person_ids=persons.of([subjects for _, subjects in part]),
                )
        append_queued_audit(session)
