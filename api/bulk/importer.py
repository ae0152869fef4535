"""Bulk NDJSON import (interface §4 "Bulk exchange"): one record a line, streamed.

Each line is checked exactly as a single create would check its body (the kind's schema,
then the jurisdiction rule); bad lines are reported with their numbers and stored nowhere.
Good lines are stored idempotently on the natural key: a new key is created, a known key
with the same content is left unchanged, and with other content is corrected (a new
version, history kept).

Lines are handled in batches, and each batch is its own transaction: this is the one
deliberate exception to "one request, one commit", so that a file of any size is
imported in constant memory without holding locks for minutes. An import that fails
half-way keeps the batches it committed, and `ImportInterrupted` says how far it got;
sending the file again finishes the job, because lines already stored come back
`unchanged`.
"""

import logging
from collections.abc import AsyncIterable, Callable, Sequence
from typing import Any

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from api.access.principal import Access
from api.bulk.fast_path import PreparedLine, StaleBatch, has_fast_path, store_batch
from api.bulk.lines import MAX_LINE_BYTES, Line, LineSplitter
from api.bulk.outcome import BatchOutcome, ImportSummary, LineError
from api.bulk.row_path import store_batch_by_row
from api.db import unit_of_work
from api.errors import FieldError, validation_errors
from api.records.core import RecordKind
from api.records.registries import KINDS
from api.validation.text import PRINTABLE_JSON, printable_json

IMPORTABLE = ("births", "ultrasound-exams", "household-entries", "marriages", "persons")
DEFAULT_BATCH_SIZE = 2000
# Two writers racing for the same new natural key: the loser's batch is tried again and
# then finds the winner's record.
ATTEMPTS = 3

Progress = Callable[[ImportSummary, int], None]
log = logging.getLogger(__name__)


class ImportInterrupted(Exception):
    """The import stopped part-way; `summary` counts the batches that were committed."""

    def __init__(self, summary: ImportSummary, reason: str) -> None:
        super().__init__(reason)
        self.summary = summary
        self.reason = reason


def kind_for(resource: str) -> RecordKind[Any] | None:
    """The registry's `RecordKind` for `resource`, or None when it has none."""
    return KINDS.get(resource)


def prepare_batch(
    kind: RecordKind[Any], access: Access, lines: Sequence[Line]
) -> tuple[list[PreparedLine], list[LineError]]:
    """Validate lines against the kind's body schema and the caller's jurisdiction."""
    good: list[PreparedLine] = []
    bad: list[LineError] = []
    too_long = FieldError("body", f"the line is longer than {MAX_LINE_BYTES} bytes")
    outside = FieldError(kind.region_field, "outside your jurisdiction")
    for line in lines:
        if line.text is None:
            bad.append(LineError(line.number, [too_long]))
            continue
        try:
            context = PRINTABLE_JSON if printable_json(line.text) else None
            body = kind.body.model_validate_json(line.text, context=context)
        except ValidationError as exc:
            bad.append(LineError(line.number, validation_errors(exc.errors())))
            continue
        values = kind.to_row(body)
        if not access.principal.can_see(values.get(kind.region_column)):
            bad.append(LineError(line.number, [outside]))
            continue
        good.append(PreparedLine(line.number, values, body))
    return good, bad


def store_prepared(
    engine: Engine,
    kind: RecordKind[Any],
    access: Access,
    prepared: tuple[list[PreparedLine], list[LineError]],
) -> BatchOutcome:
    """Store a validated batch in its own transaction (retried if it lost a race)."""
    good, bad = prepared
    try:
        outcome = _store_attempts(engine, kind, access, good)
    except DataError:
        # A value the database refuses although the schema let it through: find its line by
        # storing the batch line by line, so that the other lines are not lost with it.
        log.warning("bulk import of %s: a batch holds a value the database refuses", kind.resource)
        outcome = _store_line_by_line(engine, kind, access, good)
    outcome.received = len(good) + len(bad)
    outcome.rejected = bad + outcome.rejected
    return outcome


def _store_attempts(
    engine: Engine, kind: RecordKind[Any], access: Access, good: list[PreparedLine]
) -> BatchOutcome:
    store = store_batch if has_fast_path(kind) else store_batch_by_row
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with unit_of_work(engine) as session:
                return store(session, kind, access, good) if good else BatchOutcome()
        except (IntegrityError, StaleBatch):
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _store_line_by_line(
    engine: Engine, kind: RecordKind[Any], access: Access, good: list[PreparedLine]
) -> BatchOutcome:
    total = BatchOutcome()
    unstorable = FieldError("body", "a value of this line cannot be stored")
    for line in good:
        try:
            outcome = _store_attempts(engine, kind, access, [line])
        except DataError:
            total.rejected.append(LineError(line.number, [unstorable]))
            continue
        total.created += outcome.created
        total.updated += outcome.updated
        total.unchanged += outcome.unchanged
        total.rejected += outcome.rejected
    return total


async def _batches(
    chunks: AsyncIterable[bytes], splitter: LineSplitter, size: int
) -> AsyncIterable[list[Line]]:
    batch: list[Line] = []
    async for chunk in chunks:
        batch.extend(splitter.feed(chunk))
        while len(batch) >= size:
            yield batch[:size]
            batch = batch[size:]
    batch.extend(splitter.close())
    if batch:
        yield batch


def _prepare_and_store(
    engine: Engine, kind: RecordKind[Any], access: Access, lines: Sequence[Line]
) -> BatchOutcome:
    return store_prepared(engine, kind, access, prepare_batch(kind, access, lines))


async def import_ndjson(
    chunks: AsyncIterable[bytes],
    *,
    engine: Engine,
    kind: RecordKind[Any],
    access: Access,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Progress | None = None,
) -> ImportSummary:
    """Import an NDJSON stream batch by batch, holding one batch at a time."""
    summary = ImportSummary()
    splitter = LineSplitter()
    async for lines in _batches(chunks, splitter, batch_size):
        # Validating and storing run in one worker thread, one batch after the other:
        # overlapping them in two threads was slower, because the storing thread waits
        # for the interpreter lock after every database round trip.
        try:
            outcome = await to_thread.run_sync(_prepare_and_store, engine, kind, access, lines)
        except (SQLAlchemyError, StaleBatch) as exc:
            log.exception(
                "bulk import of %s stopped after %d batches", kind.resource, summary.batches
            )
            reason = f"a batch could not be stored ({exc.__class__.__name__})"
            raise ImportInterrupted(summary, reason) from exc
        summary.add(outcome)
        if on_progress:
            on_progress(summary, splitter.bytes_read)
    return summary
