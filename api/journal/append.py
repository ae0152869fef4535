"""Append-only journals written at commit: the change feed and the audit hash chains.

Events are collected on the session while a request works and appended just before it
commits, so a change, its feed event and its audit event share one transaction, and the
journal heads are locked only for the last moments of a transaction. Audit events are
spread over several independent chains so that appenders do not queue behind one lock.
Reads, which change nothing, hand their audit events to `api.journal.group_commit`
instead, which appends those of many requests in one transaction.
"""

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, func, insert, update
from sqlmodel import Session, select

from api.models import AuditEvent, AuditSubject, FeedEvent, JournalHead
from api.models.base import new_id
from api.models.types import utcnow

AUDIT_CHAINS = 8
FEED_HEAD = "feed"
GENESIS_HASH = "0" * 64


def audit_head_name(chain: int) -> str:
    """The journal head that holds the tip of audit chain `chain`."""
    return f"audit:{chain}"


@dataclass
class PendingFeedEvent:
    """A change to announce on the feed once the transaction commits."""

    type: str
    resource: str
    record_id: str
    region: str
    data: dict[str, Any]
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass
class PendingAuditEvent:
    """An access to personal data, to be chained into the audit log."""

    actor: str
    actor_type: str
    department: str
    region: str
    purpose: str
    case_id: str | None
    action: str
    resource: str
    record_ids: list[str]
    person_ids: list[str]
    outcome: str
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass
class Journal:
    """What a unit of work will append when it commits."""

    feed: list[PendingFeedEvent] = field(default_factory=list)
    audit: list[PendingAuditEvent] = field(default_factory=list)


def pending(session: Session) -> Journal:
    """The journal of the session's current transaction."""
    journal: Journal = session.info.setdefault("journal", Journal())
    return journal


def discard(session: Session) -> None:
    """Forget what a rolled-back transaction had collected."""
    session.info.pop("journal", None)


def take_journal(session: Session) -> Journal | None:
    """Remove and return what the session's work has collected (None if nothing)."""
    journal: Journal | None = session.info.pop("journal", None)
    return journal


def _locked_head(session: Session, name: str) -> JournalHead:
    head = session.exec(
        select(JournalHead).where(JournalHead.name == name).with_for_update()
    ).first()
    if head is None:
        head = JournalHead(name=name, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


def _hash_content(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def audit_hash(event: AuditEvent) -> str:
    """The hash that seals an audit event to its predecessor in the chain."""
    return _hash_content({name: getattr(event, name) for name in _HASHED} | _instant(event))


# The fields a hash covers; `occurred_at` enters as its ISO 8601 text.
_HASHED = (
    "chain", "chain_seq", "id", "actor", "actor_type", "department", "region", "purpose",
    "case_id", "action", "resource", "record_ids", "person_ids", "outcome", "prev_hash",
)  # fmt: skip


def _instant(event: Any) -> dict[str, str]:
    return {"occurred_at": event.occurred_at.isoformat()}


def _append_feed(session: Session, events: list[PendingFeedEvent]) -> None:
    head = _locked_head(session, FEED_HEAD)
    for item in events:
        head.last_seq += 1
        session.add(
            FeedEvent(
                seq=head.last_seq,
                type=item.type,
                occurred_at=item.occurred_at,
                resource=item.resource,
                record_id=item.record_id,
                region=item.region,
                data=item.data,
            )
        )
    session.add(head)


_HEADS = JournalHead.__table__  # type: ignore[attr-defined]
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_SUBJECTS = AuditSubject.__table__  # type: ignore[attr-defined]
_AUDIT_HEADS = [audit_head_name(chain) for chain in range(AUDIT_CHAINS)]
# Built once: constructing a statement costs more than running it on the hot path.
_HEAD_COLUMNS = (_HEADS.c.name, _HEADS.c.last_seq, _HEADS.c.last_hash)
_ANY_FREE_HEAD = (
    select(*_HEAD_COLUMNS)
    .where(_HEADS.c.name.in_(_AUDIT_HEADS))
    .order_by(func.random())
    .limit(1)
    .with_for_update(skip_locked=True)
)
_ONE_HEAD = select(*_HEAD_COLUMNS).where(_HEADS.c.name == bindparam("name")).with_for_update()
_NEW_HEAD = insert(_HEADS).values(last_seq=0, last_hash=GENESIS_HASH)
_INSERT_EVENTS = insert(_EVENTS)
_INSERT_SUBJECTS = insert(_SUBJECTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.name == bindparam("head"))
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)


def lock_a_chain(db: Session | Connection) -> tuple[int, int, str]:
    """Lock the head of an audit chain nobody else is appending to; its (chain, seq, hash).

    On PostgreSQL, SKIP LOCKED hands each concurrent appender a different chain, so they
    never queue for one another while a chain is free; SQLite has one writer at a time.
    """
    free = db.execute(_ANY_FREE_HEAD).first()
    if free is not None:
        return _chain_of(free[0]), int(free[1]), free[2] or GENESIS_HASH
    # All eight are busy (or a head is missing): wait for one.
    name = audit_head_name(random.randrange(AUDIT_CHAINS))
    head = db.execute(_ONE_HEAD, {"name": name}).first()
    if head is None:
        db.execute(_NEW_HEAD, {"name": name})
        return _chain_of(name), 0, GENESIS_HASH
    return _chain_of(name), int(head[1]), head[2] or GENESIS_HASH


def _chain_of(head_name: str) -> int:
    return int(head_name.removeprefix("audit:"))


def append_audit(db: Session | Connection, events: Sequence[PendingAuditEvent]) -> None:
    """Chain `events` onto one audit chain with three statements, in the caller's transaction."""
    if not events:
        return
    chain, seq, prev_hash = lock_a_chain(db)
    rows, subjects, seq, prev_hash = _chained(events, chain, seq, prev_hash)
    db.execute(_INSERT_EVENTS, rows)
    if subjects:
        db.execute(_INSERT_SUBJECTS, subjects)
    db.execute(_MOVE_HEAD, {"head": audit_head_name(chain), "seq": seq, "hash": prev_hash})


def _chained(
    events: Sequence[PendingAuditEvent], chain: int, seq: int, prev_hash: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, str]:
    """The rows that chain `events` after (seq, prev_hash), their subjects, and the new tip."""
    rows, subjects = [], []
    for item in events:
        seq += 1
        row = {
            "chain": chain,
            "chain_seq": seq,
            "id": new_id(),
            "actor": item.actor,
            "actor_type": item.actor_type,
            "department": item.department,
            "region": item.region,
            "purpose": item.purpose,
            "case_id": item.case_id,
            "action": item.action,
            "resource": item.resource,
            "record_ids": item.record_ids,
            "person_ids": item.person_ids,
            "outcome": item.outcome,
            "prev_hash": prev_hash,
        }
        prev_hash = row["hash"] = _hash_content(row | _instant(item))
        rows.append(row | {"occurred_at": item.occurred_at})
        subjects += [
            {"person_id": p, "chain": chain, "chain_seq": seq}
            for p in dict.fromkeys(item.person_ids)
        ]
    return rows, subjects, seq, prev_hash


def append_audit_by_driver(connection: Connection, events: Sequence[PendingAuditEvent]) -> None:
    """`append_audit` for the audit group commit, through the driver itself.

    The same rows and hashes, in the connection's transaction (on SQLite one that already
    holds the write lock); the statements are compiled once per dialect and their values
    converted by the columns' own types. Going past SQLAlchemy's execution layer halves the
    cost of a small batch, which the audited reads of a process pay (on SQLite in the event
    loop itself).
    """
    if not events:
        return
    statements = _driver_statements(connection.dialect)
    cursor: Any = connection.connection.cursor()
    try:
        free = cursor.execute(statements.free_head).fetchone()
        if free is None:  # a head not yet created, or all locked: the general path waits
            append_audit(connection, events)
            return
        chain = _chain_of(free[0])
        rows, subjects, seq, tip = _chained(events, chain, int(free[1]), free[2] or GENESIS_HASH)
        cursor.executemany(statements.insert_events.sql, statements.insert_events.values(rows))
        if subjects:
            insert = statements.insert_subjects
            cursor.executemany(insert.sql, insert.values(subjects))
        cursor.execute(statements.move_head, (seq, tip, audit_head_name(chain)))
    finally:
        cursor.close()


@dataclass(frozen=True)
class _Insert:
    sql: str
    names: tuple[str, ...]
    convert: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def values(self, rows: list[dict[str, Any]]) -> list[Any]:
        pairs = list(zip(self.names, self.convert, strict=True))
        if self.positional:
            return [tuple(c(row[n]) if c else row[n] for n, c in pairs) for row in rows]
        return [{n: c(row[n]) if c else row[n] for n, c in pairs} for row in rows]


@dataclass(frozen=True)
class _DriverStatements:
    free_head: str
    insert_events: _Insert
    insert_subjects: _Insert
    move_head: str


@cache
def _driver_statements(dialect: Dialect) -> _DriverStatements:
    def compiled_insert(table: Any) -> _Insert:
        names = tuple(c.name for c in table.columns)
        sql = str(insert(table).compile(dialect=dialect, column_keys=list(names)))
        types = [table.c[n].type.dialect_impl(dialect) for n in names]
        convert = tuple(t.bind_processor(dialect) for t in types)
        return _Insert(sql, names, convert, dialect.positional)

    heads = ", ".join(f"'{name}'" for name in _AUDIT_HEADS)
    # As `_ANY_FREE_HEAD`: on PostgreSQL each concurrent appender gets a chain of its own.
    locking = "" if dialect.name == "sqlite" else " FOR UPDATE SKIP LOCKED"
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return _DriverStatements(
        free_head=(
            f"SELECT name, last_seq, last_hash FROM {_HEADS.name} "
            f"WHERE name IN ({heads}) ORDER BY random() LIMIT 1{locking}"
        ),
        insert_events=compiled_insert(_EVENTS),
        insert_subjects=compiled_insert(_SUBJECTS),
        move_head=(
            f"UPDATE {_HEADS.name} SET last_seq = {mark}, last_hash = {mark} WHERE name = {mark}"
        ),
    )


def write_journal(session: Session) -> None:
    """Append the collected feed and audit events; called right before commit."""
    journal = take_journal(session)
    if journal is None:
        return
    if journal.feed:
        _append_feed(session, journal.feed)
    session.flush()
    append_audit(session, journal.audit)


def reserve_feed_seqs(session: Session, count: int) -> int:
    """Lock the feed head and reserve `count` consecutive seqs; return the first.

    For bulk writers that insert their feed events themselves (api/bulk): the head stays
    locked until the transaction ends, so the reserved seqs still follow commit order.
    """
    head = _locked_head(session, FEED_HEAD)
    first = head.last_seq + 1
    head.last_seq += count
    session.add(head)
    session.flush()
    return first
