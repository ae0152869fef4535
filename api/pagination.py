"""Opaque keyset cursors for lists (interface §1: `?limit=` and `?cursor=`)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from api.errors import FieldError, InvalidInput
from api.validation.dates import check_event_instant
from api.validation.text import has_control_characters

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next, if any."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    """Pack the sort key of the last item into an opaque cursor."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[Any]:
    """Unpack a cursor made by `encode_cursor`, refusing anything else with a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != arity or not all(map(_plausible, values)):
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return values


# Cursors carry ids, ISO dates and instants, and sequence numbers: a crafted one holding
# anything else (a NUL, a 30-digit number) must be refused here, not by the database.
MAX_CURSOR_INT = 2**63 - 1
MAX_CURSOR_TEXT = 128


def _plausible(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_CURSOR_INT <= value <= MAX_CURSOR_INT
    if isinstance(value, str):
        return len(value) <= MAX_CURSOR_TEXT and not has_control_characters(value)
    return False


def decode_instant_cursor(cursor: str) -> tuple[datetime, str]:
    """Unpack a cursor of `(instant, id)`, the key of lists ordered by time."""
    instant, last_id = decode_cursor(cursor, arity=2)
    try:
        after: datetime | None = check_event_instant(datetime.fromisoformat(str(instant)))
    except ValueError:
        after = None
    if after is None:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return after, str(last_id)


def _cursor_value(column: Any, value: Any) -> Any:
    """Read one cursor value back in the type of the column it continues."""
    python_type = column.type.python_type
    try:
        if python_type is datetime:
            parsed: Any = decode_instant_cursor(encode_cursor([value, ""]))[0]
        elif python_type is date:
            parsed = date.fromisoformat(str(value))
        elif python_type is int:
            parsed = int(value)
            if not -MAX_CURSOR_INT <= parsed <= MAX_CURSOR_INT:
                raise ValueError("out of range")
        else:
            parsed = str(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        ) from None
    return parsed


def _key_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def keyset_page(
    session: Session,
    query: SelectOfScalar[Any],
    *,
    key: tuple[Any, Any],
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> Page[Any]:
    """One page of `query` ordered by the unique `key` (column, id column), after `cursor`.

    The one keyset paginator: every list orders by a sort column and the row id, and its
    cursor carries the last row's pair.
    """
    first, last = key
    if cursor:
        raw_first, raw_last = decode_cursor(cursor, arity=2)
        value, last_id = _cursor_value(first, raw_first), _cursor_value(last, raw_last)
        if descending:
            query = query.where(or_(first < value, and_(first == value, last < last_id)))
        else:
            query = query.where(or_(first > value, and_(first == value, last > last_id)))
    order = (first.desc(), last.desc()) if descending else (first, last)
    rows = list(session.exec(query.order_by(*order).limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        tail = rows[-1]
        next_cursor = encode_cursor(
            [_key_json(getattr(tail, first.key)), _key_json(getattr(tail, last.key))]
        )
    return Page(rows, next_cursor)
