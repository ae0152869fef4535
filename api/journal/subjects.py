"""The persons a record concerns, and the hot read of a record together with them."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Dialect, bindparam
from sqlmodel import Session, col, select

from api.models import Person


def person_ids_for(session: Session, id_numbers: Iterable[str | None]) -> list[str]:
    """Map ID numbers to the ids of the person records that hold them."""
    wanted = sorted({n for n in id_numbers if n})
    if not wanted:
        return []
    rows = session.exec(select(Person.id).where(col(Person.id_number).in_(wanted)))
    return list(rows)


class RecordKindLike(Protocol):
    """What the helpers below need of a `api.records.core.RecordKind`."""

    @property
    def resource(self) -> str: ...
    @property
    def model(self) -> Any: ...
    @property
    def person_columns(self) -> tuple[str, ...]: ...


def person_ids_of(session: Session, kind: RecordKindLike, rows: Sequence[Any]) -> list[str]:
    """The persons records concern: those their ID numbers name, and a person record's own."""
    ids = person_ids_for(session, [getattr(r, c) for r in rows for c in kind.person_columns])
    own = [r.id for r in rows] if kind.resource == "persons" else []
    return list(dict.fromkeys(own + ids))


def with_person_ids(
    session: Session, kind: RecordKindLike, record_id: str
) -> tuple[Any | None, list[str]]:
    """A record by id and the persons it concerns (as `person_ids_of`), in one query.

    The record is read, not loaded into the session: it is for answering, never to change.
    """
    if not kind.person_columns:
        row = session.get(kind.model, record_id)
        return row, person_ids_of(session, kind, [row]) if row is not None else []
    # One row per person found (at least one, with None, while the record exists), read
    # through the driver on the session's connection: neither the ORM (loading the one
    # entity cost more than the query) nor Core's execution layer (its cache key, context
    # and result objects cost twice the query itself).
    connection = session.connection()
    read = _read_with_persons(kind.model, kind.person_columns, connection.dialect)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(read.sql, read.parameters(record_id))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return None, []
    record = kind.model.model_construct(**read.record_values(rows[0]))
    return record, list(dict.fromkeys(r[-1] for r in rows if r[-1] is not None))


@dataclass(frozen=True)
class _DriverRead:
    """A record-and-persons query compiled for one dialect, and its values' conversions."""

    sql: str
    positional: bool
    names: tuple[str, ...]  # the record's columns, as selected (the person id follows)
    convert: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, record_id: str) -> Any:
        """The driver's parameters for the record id (its only bound value)."""
        return (record_id,) if self.positional else {"id": record_id}

    def record_values(self, row: Sequence[Any]) -> dict[str, Any]:
        """The record's column values of a result row, as the columns' types read them."""
        pairs = zip(self.names, self.convert, row, strict=False)
        return {name: (c(v) if c else v) for name, c, v in pairs}


@cache
def _read_with_persons(model: Any, columns: tuple[str, ...], dialect: Dialect) -> _DriverRead:
    # Built once per kind and dialect: constructing and compiling cost more than running it.
    table, persons = model.__table__, Person.__table__  # type: ignore[attr-defined]
    numbers = [table.c[c] for c in columns]
    query = (
        select(table, persons.c.id)
        .where(table.c.id == bindparam("id"))
        .outerjoin(persons, persons.c.id_number.in_(numbers))
    )
    compiled = query.compile(dialect=dialect)
    binds = compiled.positiontup if dialect.positional else list(compiled.binds)
    assert list(binds or ()) == ["id"], binds  # `parameters` passes the id alone
    convert = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.c)
    return _DriverRead(str(compiled), dialect.positional, tuple(c.name for c in table.c), convert)
