"""Storing a batch of validated lines with a handful of statements, whatever its size.

One query finds the records that already hold the batch's natural keys, one the persons
its ID numbers name; new records, their first versions and their feed events are then
written with COPY (PostgreSQL) or one executemany (SQLite), and the batch is audited as
one event. The outcome per line is the same as `api.records.core.create_record` (new key) or
`update_record` (known key, other content) would give.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session, SQLModel, select

from api.access.principal import Access
from api.bulk.outcome import BatchOutcome, LineError
from api.bulk.rows import (
    JsonText,
    Row,
    among,
    column_defaults,
    in_utc,
    insert_rows,
    instant_columns,
    list_columns,
    new_ids,
    to_json,
    update_rows,
)
from api.errors import FieldError
from api.journal.append import reserve_feed_seqs
from api.journal.audit import record_access
from api.models import FeedEvent, Person, RecordVersion
from api.models.types import utcnow
from api.records.core import RecordKind
from api.records.registries import births

Key = tuple[Any, ...]


@dataclass(frozen=True)
class PreparedLine:
    """A line that passed the body schema and the jurisdiction rule."""

    number: int
    values: Row
    body: Any


class StaleBatch(Exception):
    """A record of the batch changed under it; the batch is retried from the start."""


def _mother_verified(row: Row, known: Collection[str], department: str) -> None:
    # The batch form of api.records.registries.births.verify_mother; `known` comes from the
    # same rule (births.mothers_on_record: persons inside the caller's jurisdiction).
    row["mother_verified"] = row["mother_id_number"] in known


def _note_source(row: Row, known: Collection[str], department: str) -> None:
    # The batch form of api.records.registries.persons.note_source.
    if department not in row["sources"]:
        row["sources"] = [*row["sources"], department]


# Kinds whose `after_write` has a batch form here (given what the batch's lookup found and
# the writing department); other kinds with side effects go row by row.
DERIVATIONS: dict[str, Callable[[Row, Collection[str], str], None]] = {
    "births": _mother_verified,
    "persons": _note_source,
}


def _known(
    session: Session, kind: RecordKind[Any], access: Access, lines: Sequence[PreparedLine]
) -> Collection[str]:
    if kind.resource != "births":
        return ()
    mothers = [line.values["mother_id_number"] for line in lines]
    return births.mothers_on_record(session, mothers, access=access)


def has_fast_path(kind: RecordKind[Any]) -> bool:
    """True when the kind's side effects, if any, can be applied to a whole batch."""
    return kind.after_write is None or kind.resource in DERIVATIONS


def natural_key(kind: RecordKind[Any], values: Row) -> Key | None:
    """The natural-key values of a line, or None when one of them is missing."""
    key = tuple(values.get(c) for c in kind.natural_key)
    return key if kind.natural_key and None not in key else None


def _existing(session: Session, kind: RecordKind[Any], keys: list[Key]) -> dict[Key, Row]:
    if not keys:
        return {}
    table: Table = kind.model.__table__  # type: ignore[attr-defined]
    columns = [table.c[c] for c in kind.natural_key]
    found = session.execute(table.select().where(among(session, columns, keys))).mappings()
    return {tuple(r[c] for c in kind.natural_key): dict(r) for r in found}


def _persons(
    session: Session, kind: RecordKind[Any], lines: Sequence[PreparedLine]
) -> dict[str, str]:
    numbers = {v for line in lines for c in kind.person_columns if (v := line.values.get(c))}
    if not numbers:
        return {}
    column = Person.__table__.c.id_number  # type: ignore[attr-defined]
    query = select(Person.id_number, Person.id).where(
        among(session, [column], [(n,) for n in numbers])
    )
    return {number: person_id for number, person_id in session.execute(query)}


class _Batch:
    """The records a batch touches, their versions and events, before they are written."""

    def __init__(
        self, kind: RecordKind[Any], access: Access, persons: dict[str, str], size: int
    ) -> None:
        self.kind = kind
        # Each line makes at most one record and one version: two ids a line suffice.
        self.ids = iter(new_ids(2 * size))
        self.instants = instant_columns(kind.model.__table__)  # type: ignore[attr-defined]
        self.access = access
        self.persons = persons
        self.known: Collection[str] = ()
        self.now = utcnow()
        self.department = access.principal.department.value
        self.new: dict[str, Row] = {}
        self.changed: dict[str, Row] = {}
        self.read_versions: dict[str, int] = {}
        self.versions: list[Row] = []
        self.feed: list[Row] = []
        self.touched: dict[str, None] = {}

    def create(self, values: Row) -> Row:
        model: type[SQLModel] = self.kind.model
        row = {**column_defaults(model), **{n: [] for n in list_columns(model)}, **values}
        in_utc(row, self.instants)
        row.update(
            id=next(self.ids),
            version=1,
            created_at=self.now,
            updated_at=self.now,
            source=self.department,
            voided_at=None,
            void_reason=None,
        )
        self.new[row["id"]] = row
        self._record(row, "create", self.kind.created_event)
        return row

    def change(self, row: Row, values: Row, *, stored: bool) -> None:
        if stored and row["id"] not in self.changed:
            self.read_versions[row["id"]] = row["version"]
            self.changed[row["id"]] = row
        row.update(values)
        in_utc(row, self.instants)
        row.update(version=row["version"] + 1, updated_at=self.now, source=self.department)
        self._record(row, "update", self.kind.updated_event)

    def _record(self, row: Row, action: str, event: str) -> None:
        derive = DERIVATIONS.get(self.kind.resource)
        if derive:
            derive(row, self.known, self.department)
        data = to_json(row)
        self.touched[row["id"]] = None
        self.versions.append(
            {
                "id": next(self.ids),
                "resource": self.kind.resource,
                "record_id": row["id"],
                "version": row["version"],
                "action": action,
                "data": data,
                "changed_at": self.now,
                "changed_by": self.access.principal.subject,
                "department": self.department,
                "reason": None,
            }
        )
        self.feed.append(
            {
                "type": event,
                "occurred_at": self.now,
                "resource": self.kind.resource,
                "record_id": row["id"],
                "region": str(row.get(self.kind.region_column) or ""),
                "data": JsonText(data),
            }
        )

    def person_ids(self) -> list[str]:
        ids = list(self.touched) if self.kind.resource == "persons" else []
        rows = [*self.new.values(), *self.changed.values()]
        numbers = {r[c] for r in rows for c in self.kind.person_columns if r.get(c)}
        ids += [self.persons[n] for n in sorted(numbers) if n in self.persons]
        return list(dict.fromkeys(ids))


# Neutral: a line must not learn where the record holding its key lives (interface §1).
OUTSIDE = "conflicts with an existing record"
VOID = "the record with this key is void and cannot be corrected"


def classify(
    session: Session, kind: RecordKind[Any], access: Access, lines: Sequence[PreparedLine]
) -> tuple[_Batch, BatchOutcome]:
    """Decide, line by line, what each line does; nothing is written yet."""
    keyed = [(line, natural_key(kind, line.values)) for line in lines]
    stored = _existing(session, kind, list({k for _, k in keyed if k is not None}))
    batch = _Batch(kind, access, _persons(session, kind, lines), len(lines))
    batch.known = _known(session, kind, access, lines)
    outcome = BatchOutcome()
    seen: dict[Key, Row] = {}
    key_fields = kind.natural_key_fields or kind.natural_key
    for line, key in keyed:
        current = None if key is None else seen.get(key, stored.get(key))
        if current is None:
            row = batch.create(line.values)
            if key is not None:
                seen[key] = row
            outcome.created += 1
            continue
        assert key is not None
        if key not in seen and not access.principal.can_see(current.get(kind.region_column)):
            outcome.rejected.append(
                LineError(line.number, [FieldError(f, OUTSIDE) for f in key_fields])
            )
            continue
        seen[key] = current
        if all(current.get(k) == v for k, v in line.values.items()):
            batch.touched[current["id"]] = None
            outcome.unchanged += 1
        elif current.get("voided_at") is not None:
            outcome.rejected.append(
                LineError(line.number, [FieldError(f, VOID) for f in key_fields])
            )
        else:
            batch.change(current, line.values, stored=current["id"] not in batch.new)
            outcome.updated += 1
    return batch, outcome


def _check_unchanged_since_read(session: Session, kind: RecordKind[Any], batch: _Batch) -> None:
    if not batch.read_versions:
        return
    table: Table = kind.model.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.id, table.c.version)
        .where(table.c.id.in_(sorted(batch.read_versions)))
        .with_for_update()
    )
    for record_id, version in session.execute(query):
        if batch.read_versions[record_id] != version:
            raise StaleBatch(record_id)


def store_batch(
    session: Session, kind: RecordKind[Any], access: Access, lines: Sequence[PreparedLine]
) -> BatchOutcome:
    """Write a batch's new and corrected records with their versions, feed and audit."""
    batch, outcome = classify(session, kind, access, lines)
    table: Table = kind.model.__table__  # type: ignore[attr-defined]
    _check_unchanged_since_read(session, kind, batch)
    insert_rows(session, table, list(batch.new.values()))
    update_rows(session, table, list(batch.changed.values()))
    insert_rows(session, RecordVersion.__table__, batch.versions)  # type: ignore[attr-defined]
    if batch.feed:
        first = reserve_feed_seqs(session, len(batch.feed))
        for offset, event in enumerate(batch.feed):
            event["seq"] = first + offset
        insert_rows(session, FeedEvent.__table__, batch.feed)  # type: ignore[attr-defined]
    if batch.touched:
        record_access(
            session,
            access,
            action="import",
            resource=kind.resource,
            record_ids=list(batch.touched),
            person_ids=batch.person_ids(),
        )
    return outcome
