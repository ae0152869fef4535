"""Versioned shared records: create, read, list, correct, void and history (interface §1).

One set of operations serves every registry; a `RecordKind` says what differs (table,
schema, jurisdiction column, natural key, feed event names, side effects). Services take
the session first, never commit, and note audit and feed events for the commit to append.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.principal import Access
from api.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    validation_detail,
    validation_errors,
)
from api.journal.append import PendingFeedEvent, pending
from api.journal.audit import record_access
from api.journal.subjects import person_ids_of, with_person_ids
from api.models import RecordVersion
from api.models.base import SHANGHAI, RecordColumns, StrictBody
from api.models.types import UTCDateTime, utcnow
from api.pagination import Page, keyset_page
from api.records import history

M = TypeVar("M", bound=RecordColumns)
Row = dict[str, Any]


@dataclass(frozen=True)
class RecordKind(Generic[M]):
    """What one registry is: its table, its shapes and its rules."""

    resource: str
    model: type[M]
    body: type[StrictBody]
    to_row: Callable[[Any], Row]
    from_row: Callable[[Row], Row]
    present: Callable[[Row, Access], Row]
    region_column: str
    region_field: str
    natural_key: tuple[str, ...]
    created_event: str
    updated_event: str
    voided_event: str
    person_columns: tuple[str, ...] = ()
    date_column: str | None = None
    status_column: str | None = None
    void_status: str | None = None
    after_write: Callable[[Session, Any, Access], None] | None = None
    natural_key_fields: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ListFilters:
    """Filters every list accepts."""

    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    include_voided: bool = False
    # Further `column == value` conditions a kind's own list offers (e.g. an application's channel).
    equals: tuple[tuple[str, str], ...] = ()


def snapshot(row: SQLModel) -> Row:
    """The JSON-ready column values of a row."""
    return row.model_dump(mode="json")


def _region_of(kind: RecordKind[M], row: Any) -> str:
    return str(getattr(row, kind.region_column) or "")


def _audit(
    session: Session, kind: RecordKind[M], access: Access, action: str, rows: Sequence[Any]
) -> None:
    record_access(
        session,
        access,
        action=action,
        resource=kind.resource,
        record_ids=[r.id for r in rows],
        person_ids=person_ids_of(session, kind, rows),
    )


def _announce(session: Session, kind: RecordKind[M], event_type: str, row: Any) -> None:
    pending(session).feed.append(
        PendingFeedEvent(
            type=event_type,
            resource=kind.resource,
            record_id=row.id,
            region=_region_of(kind, row),
            data=snapshot(row),
        )
    )


def _keep_version(
    session: Session,
    kind: RecordKind[M],
    row: Any,
    access: Access,
    action: str,
    reason: str | None = None,
) -> None:
    session.add(
        RecordVersion(
            resource=kind.resource,
            record_id=row.id,
            version=row.version,
            action=action,
            data=snapshot(row),
            changed_at=row.updated_at,
            changed_by=access.principal.subject,
            department=access.principal.department.value,
            reason=reason,
        )
    )


def find_by_natural_key(session: Session, kind: RecordKind[M], values: Row) -> M | None:
    """The record that already holds these natural-key values, voided or not."""
    if not kind.natural_key or any(values.get(c) is None for c in kind.natural_key):
        return None
    query = select(kind.model).where(
        *[getattr(kind.model, c) == values[c] for c in kind.natural_key]
    )
    return session.exec(query).first()


def _duplicate(kind: RecordKind[M], existing: Any, access: Access) -> Conflict:
    fields = kind.natural_key_fields or kind.natural_key
    errors = [FieldError(f, "already exists") for f in fields]
    # Outside the caller's jurisdiction the other record stays unseen: no id, and a detail
    # that says nothing about where it lives (interface §1).
    if not access.principal.can_see(_region_of(kind, existing)):
        return Conflict("The record conflicts with an existing one.", errors=errors)
    return Conflict(
        f"A {kind.resource} record with this {', '.join(fields)} already exists.",
        errors=errors,
        existing_id=existing.id,
    )


def _check_writable_region(kind: RecordKind[M], access: Access, values: Row) -> None:
    if not access.principal.can_see(values.get(kind.region_column)):
        raise Forbidden(
            "The record's region is outside the caller's jurisdiction.",
            errors=[FieldError(kind.region_field, "outside your jurisdiction")],
        )


def _write_unique(
    session: Session,
    kind: RecordKind[M],
    values: Row,
    write: Callable[[], None],
    access: Access,
) -> None:
    # Two writers racing for one natural key: the loser's write fails on the unique index
    # and answers 409 with the winner's id like any other duplicate. The write happens
    # inside the savepoint so that its failure undoes only itself.
    try:
        with session.begin_nested():
            write()
            session.flush()
    except IntegrityError:
        existing = find_by_natural_key(session, kind, values)
        if existing is None:
            raise
        raise _duplicate(kind, existing, access) from None


def create_record(
    session: Session,
    kind: RecordKind[M],
    *,
    body: BaseModel,
    access: Access,
    extra: Row | None = None,
) -> M:
    """Store a new record with its first version, feed event and audit event.

    `extra` adds column values the service derived itself (e.g. an application's checks).
    """
    values = {**kind.to_row(body), **(extra or {})}
    _check_writable_region(kind, access, values)
    existing = find_by_natural_key(session, kind, values)
    if existing is not None:
        raise _duplicate(kind, existing, access)
    row = kind.model(**values, source=access.principal.department.value)
    _write_unique(session, kind, values, lambda: session.add(row), access)
    if kind.after_write:
        kind.after_write(session, row, access)
    _keep_version(session, kind, row, access, "create")
    _announce(session, kind, kind.created_event, row)
    _audit(session, kind, access, "create", [row])
    return row


def visible_record(
    session: Session, kind: RecordKind[M], record_id: str, access: Access, *, lock: bool = False
) -> M:
    """The record if the caller may see it, else 404; `lock` it for a write."""
    query = select(kind.model).where(kind.model.id == record_id)
    if lock:  # refreshed: what a concurrent writer committed while we waited for the lock
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.exec(query).first()
    # A record outside the jurisdiction answers exactly like one that does not exist.
    if row is None or not access.principal.can_see(_region_of(kind, row)):
        raise NotFound(f"No {kind.resource} record with this id.")
    return row


def get_record(session: Session, kind: RecordKind[M], record_id: str, *, access: Access) -> M:
    """Read one record inside the caller's jurisdiction (it and its persons' ids: one query)."""
    row, ids = with_person_ids(session, kind, record_id)
    if row is None or not access.principal.can_see(_region_of(kind, row)):
        raise NotFound(f"No {kind.resource} record with this id.")
    record_access(
        session, access, action="read", resource=kind.resource, record_ids=[row.id], person_ids=ids
    )
    return row


def merge_patch(target: Row, patch: Row) -> Row:
    """Apply an RFC 7396 JSON merge patch."""
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validated(kind: RecordKind[M], data: Row) -> BaseModel:
    try:
        return kind.body.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc.errors())
        raise InvalidInput(validation_detail(exc.errors(), errors), errors=errors) from None


def update_record(
    session: Session,
    kind: RecordKind[M],
    record_id: str,
    *,
    expected_version: int,
    patch: Row,
    access: Access,
) -> M:
    """Correct a record with a merge patch, if nobody changed it since `expected_version`."""
    row = visible_record(session, kind, record_id, access, lock=True)
    if row.voided_at is not None:
        raise Conflict("A void record cannot be corrected.")
    if row.version != expected_version:
        raise PreconditionFailed(
            f"The record is at version {row.version}, not {expected_version}.",
            errors=[FieldError("If-Match", "stale version")],
        )
    values = kind.to_row(_validated(kind, merge_patch(kind.from_row(snapshot(row)), patch)))
    changes = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changes:
        _audit(session, kind, access, "read", [row])
        return row
    _check_writable_region(kind, access, values)
    existing = find_by_natural_key(session, kind, values)
    if existing is not None and existing.id != row.id:
        raise _duplicate(kind, existing, access)
    apply_changes(session, kind, row, changes, access=access)
    return row


def apply_changes(
    session: Session,
    kind: RecordKind[M],
    row: M,
    changes: Row,
    *,
    access: Access,
    action: str = "update",
    reason: str | None = None,
) -> bool:
    """Change a record as the effect of another record's write; False if nothing changed.

    The caller has checked the values; like a correction, the change gets a new version,
    a history entry, a feed event and an audit event.
    """
    if row.voided_at is not None:
        raise Conflict(f"The {kind.resource} record {row.id} is void and cannot change.")
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changes:
        return False

    def write() -> None:
        for name, value in changes.items():
            setattr(row, name, value)
        row.version += 1
        row.updated_at = utcnow()
        row.source = access.principal.department.value
        session.add(row)

    key = {c: changes.get(c, getattr(row, c)) for c in kind.natural_key}
    _write_unique(session, kind, key, write, access)
    if kind.after_write:
        kind.after_write(session, row, access)
    _keep_version(session, kind, row, access, action, reason)
    _announce(session, kind, kind.updated_event, row)
    _audit(session, kind, access, action, [row])
    return True


def void_record(
    session: Session, kind: RecordKind[M], record_id: str, *, reason: str, access: Access
) -> M:
    """Mark a record void; it stays readable with its history."""
    row = visible_record(session, kind, record_id, access, lock=True)
    if row.voided_at is not None:
        raise Conflict("The record is already void.")
    row.voided_at = row.updated_at = utcnow()
    row.void_reason = reason
    if kind.void_status and kind.status_column:
        setattr(row, kind.status_column, kind.void_status)
    row.version += 1
    session.add(row)
    _keep_version(session, kind, row, access, "void", reason)
    _announce(session, kind, kind.voided_event, row)
    _audit(session, kind, access, "void", [row])
    return row


def record_history(
    session: Session, kind: RecordKind[M], record_id: str, *, access: Access
) -> list[RecordVersion]:
    """The versions of a record the caller may see, oldest first (see `api.records.history`)."""
    row = visible_record(session, kind, record_id, access)
    _audit(session, kind, access, "history", [row])
    versions = history.versions_of(session, kind.resource, record_id)
    return [v for v in versions if history.version_visible(v, kind.region_column, access)]


def _day_bound(column: Any, day: date) -> date | datetime:
    # Dates are days in Asia/Shanghai; instant columns compare against that day's start.
    if isinstance(column.type, UTCDateTime):
        return datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return day


def list_records(
    session: Session,
    kind: RecordKind[M],
    *,
    access: Access,
    filters: ListFilters,
    limit: int,
    cursor: str | None,
) -> Page[M]:
    """A page of records inside the jurisdiction, oldest first, by keyset."""
    model: Any = kind.model
    region = col(getattr(model, kind.region_column))
    query = select(model).where(
        jurisdiction_filter(region, access.principal.region, requested=filters.region)
    )
    if kind.date_column and (filters.date_from or filters.date_to):
        column = getattr(model, kind.date_column)
        if filters.date_from:
            query = query.where(column >= _day_bound(column, filters.date_from))
        if filters.date_to:
            query = query.where(column < _day_bound(column, filters.date_to + timedelta(days=1)))
    if filters.status and kind.status_column:
        query = query.where(getattr(model, kind.status_column) == filters.status)
    if not filters.include_voided:
        query = query.where(col(model.voided_at).is_(None))
    for name, value in filters.equals:
        query = query.where(getattr(model, name) == value)
    page = keyset_page(session, query, key=(model.created_at, model.id), cursor=cursor, limit=limit)
    if page.items:
        _audit(session, kind, access, "list", page.items)
    return page
