"""Storing a batch line by line through `api.records.core`, for kinds whose writes change others.

Household entries and marriages update persons in their `after_write`; running each line
through `create_record`/`update_record` applies exactly those rules. Each line gets a
savepoint, so a line refused half-way leaves nothing behind, and the batch's audit events
are folded into one, as on the fast path.
"""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from api.access.principal import Access
from api.bulk.fast_path import PreparedLine
from api.bulk.outcome import BatchOutcome, LineError
from api.errors import FieldError, NotFound, Problem
from api.journal.append import PendingAuditEvent, pending
from api.journal.audit import record_access
from api.records import core as records
from api.records.core import RecordKind, Row, snapshot

# Neutral: a line must not learn where the record holding its key lives (interface §1).
OUTSIDE = "conflicts with an existing record"


def replacement_patch(current: Row, wanted: Row) -> Row:
    """The merge patch (RFC 7396) that turns `current` into exactly `wanted`."""
    patch: Row = {k: None for k in current if k not in wanted}
    for key, value in wanted.items():
        old = current.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            patch[key] = replacement_patch(old, value)
        else:
            patch[key] = value
    return patch


def _store_line(session: Session, kind: RecordKind[Any], access: Access, line: PreparedLine) -> str:
    existing = records.find_by_natural_key(session, kind, line.values)
    if existing is None:
        records.create_record(session, kind, body=line.body, access=access)
        return "created"
    patch = replacement_patch(
        kind.from_row(snapshot(existing)), line.body.model_dump(mode="json", exclude_none=True)
    )
    try:
        row = records.update_record(
            session,
            kind,
            existing.id,
            expected_version=existing.version,
            patch=patch,
            access=access,
        )
    except NotFound:
        fields = kind.natural_key_fields or kind.natural_key
        raise Problem(OUTSIDE, errors=[FieldError(f, OUTSIDE) for f in fields]) from None
    return "updated" if row.version != existing.version else "unchanged"


def _fold_audit(session: Session, access: Access, start: int) -> None:
    # One event per resource the batch touched (the import's own, and persons changed
    # as its effect) instead of one per line.
    journal = pending(session)
    events = journal.audit[start:]
    del journal.audit[start:]
    by_resource: dict[str, list[PendingAuditEvent]] = {}
    for event in events:
        by_resource.setdefault(event.resource, []).append(event)
    for resource, group in by_resource.items():
        record_access(
            session,
            access,
            action="import",
            resource=resource,
            record_ids=dict.fromkeys(i for e in group for i in e.record_ids),
            person_ids=dict.fromkeys(i for e in group for i in e.person_ids),
        )


def store_batch_by_row(
    session: Session, kind: RecordKind[Any], access: Access, lines: Sequence[PreparedLine]
) -> BatchOutcome:
    """Write a batch one line at a time with the single-record services."""
    outcome = BatchOutcome()
    journal = pending(session)
    audit_start = len(journal.audit)
    fields = kind.natural_key_fields or kind.natural_key or ("body",)
    for line in lines:
        feed_mark, audit_mark = len(journal.feed), len(journal.audit)
        try:
            with session.begin_nested():
                result = _store_line(session, kind, access, line)
        except Problem as exc:
            del journal.feed[feed_mark:]
            del journal.audit[audit_mark:]
            errors = exc.errors or [FieldError(f, exc.detail) for f in fields]
            outcome.rejected.append(LineError(line.number, list(errors)))
            continue
        setattr(outcome, result, getattr(outcome, result) + 1)
    _fold_audit(session, access, audit_start)
    return outcome
