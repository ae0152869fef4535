"""Journal writes for bulk writers: a few statements per batch instead of one object each.

`api.journal.append` queues a transaction's events and appends them at commit; a writer
of many thousand changes (the cross-check's reconciliation) appends them as it goes
instead, under the same head locks and in the same transaction: feed seqs stay contiguous
and in commit order, and audit events are chained exactly as `append_audit` chains them
(the same content hashed by `audit_hash`, on a chain locked the same way). Feed events the
transaction queued earlier are appended first, so that the feed still lists the
transaction's changes in the order they were made.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Table, insert, update
from sqlmodel import Session

from api.bulk.rows import JsonText, insert_rows, is_postgresql, new_ids, to_json
from api.journal.append import (
    audit_hash,
    audit_head_name,
    lock_a_chain,
    pending,
    reserve_feed_seqs,
    write_journal,
)
from api.models import AuditEvent, AuditSubject, FeedEvent, JournalHead
from api.models.types import UTCDateTime

_FEED = FeedEvent.__table__  # type: ignore[attr-defined]
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_SUBJECTS = AuditSubject.__table__  # type: ignore[attr-defined]
_HEADS = JournalHead.__table__  # type: ignore[attr-defined]


def _sqlite_instant(value: datetime) -> str:
    # UTCDateTime's text on SQLite: naive UTC, microseconds always shown.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def _once(render: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # A batch stamps its rows with a handful of instants and days: render each once.
    memo: dict[Any, Any] = {None: None}

    def rendered(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            memo[value] = done = render(value)
            return done

    return rendered


def _json(value: Any) -> Any:
    return value if isinstance(value, JsonText) else to_json(value)


def insert_plain(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows holding a value for every column: `insert_rows`, cheaper on SQLite.

    On SQLite the values are rendered as SQLAlchemy stores them (instants as naive UTC
    text, days as ISO text, JSON as text), each distinct instant and day once, and sent as
    plain tuples in one executemany; PostgreSQL takes them through COPY.
    """
    if not rows:
        return
    if is_postgresql(session):
        insert_rows(session, table, rows)
        return
    converters: list[tuple[str, Callable[[Any], Any] | None]] = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            converters.append((column.name, _once(_sqlite_instant)))
        elif isinstance(column.type, Date):
            converters.append((column.name, _once(_sqlite_date)))
        elif isinstance(column.type, JSON):
            converters.append((column.name, _json))
        else:
            converters.append((column.name, None))
    params = [
        tuple(row[name] if convert is None else convert(row[name]) for name, convert in converters)
        for row in rows
    ]
    statement = str(insert(table).compile(dialect=session.get_bind().dialect))
    session.connection().exec_driver_sql(statement, params)


def feed_row(
    *, type: str, resource: str, record_id: str, region: str, data: JsonText, at: datetime
) -> dict[str, Any]:
    """A feed event as `append_feed_rows` takes it: `data` already serialised."""
    return {
        "type": type,
        "occurred_at": at,
        "resource": resource,
        "record_id": record_id,
        "region": region,
        "data": data,
    }


def append_feed_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Number `rows` with the next seqs and insert them (COPY or one executemany)."""
    if not rows:
        return
    # What the transaction queued before these rows comes first on the feed.
    write_journal(session)
    first = reserve_feed_seqs(session, len(rows))
    for offset, row in enumerate(rows):
        row["seq"] = first + offset
    insert_plain(session, _FEED, rows)


def append_queued_audit(session: Session) -> None:
    """Chain the audit events queued so far onto one chain now, in three bulk statements."""
    journal = pending(session)
    events, journal.audit = journal.audit, []
    if not events:
        return
    chain, seq, prev_hash = lock_a_chain(session)
    rows: list[dict[str, Any]] = []
    subjects: list[dict[str, Any]] = []
    for item, event_id in zip(events, new_ids(len(events)), strict=True):
        seq += 1
        row = vars(item) | {"chain": chain, "chain_seq": seq, "id": event_id}
        row["prev_hash"] = prev_hash
        prev_hash = row["hash"] = audit_hash(AuditEvent(**row))
        rows.append(row)
        subjects += [
            {"person_id": p, "chain": chain, "chain_seq": seq}
            for p in dict.fromkeys(item.person_ids)
        ]
    insert_plain(session, _EVENTS, rows)
    insert_plain(session, _SUBJECTS, subjects)
    session.execute(
        update(_HEADS)
        .where(_HEADS.c.name == audit_head_name(chain))
        .values(last_seq=seq, last_hash=prev_hash)
    )
