"""Opaque keyset cursors for lists (interface §1: `?limit=` and `?cursor=`)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from api.errors import FieldError, InvalidInput

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
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return values


def decode_instant_cursor(cursor: str) -> tuple[datetime, str]:
    """Unpack a cursor of `(instant, id)`, the key of lists ordered by time."""
    instant, last_id = decode_cursor(cursor, arity=2)
    try:
        after = datetime.fromisoformat(str(instant))
    except ValueError:
        after = None
    if after is None or after.tzinfo is None:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return after, str(last_id)
