"""Journal writes for bulk writers: a few statements per batch instead of one object each.

`api.journal.append` queues a transaction's events and appends them at commit; a writer
of many thousand changes (the cross-check's reconciliation) appends them as it goes
instead, under the same head locks and in the same transaction: feed seqs stay contiguous
and in commit order, and audit events are chained exactly as `append_audit` chains them
(the same content hashed by `audit_hash`, on a chain locked the same way). Feed events the
transaction queued earlier are appended first, so that the feed still lists the
transaction's changes in the order they were made.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from api.bulk.rows import JsonText, insert_rows, new_ids
from api.journal.append import (
    audit_hash,
    audit_head_name,
    lock_a_chain,
    pending,
    reserve_feed_seqs,
    write_journal,
)
from api.models import AuditEvent, AuditSubject, FeedEvent, JournalHead

_FEED = FeedEvent.__table__  # type: ignore[attr-defined]
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_SUBJECTS = AuditSubject.__table__  # type: ignore[attr-defined]
_HEADS = JournalHead.__table__  # type: ignore[attr-defined]


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
    insert_rows(session, _FEED, rows)


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
    insert_rows(session, _EVENTS, rows)
    insert_rows(session, _SUBJECTS, subjects)
    session.execute(
        update(_HEADS)
        .where(_HEADS.c.name == audit_head_name(chain))
        .values(last_seq=seq, last_hash=prev_hash)
    )
