"""Days and instants a client sends: written out in full, and within a plausible range.

A number is never a date (`0` is not 1970-01-01), and an instant in year 1 with an offset
cannot be converted to UTC; both are refused where they come in, with the field named.
Events (births, exams, registrations, filters, cursors) lie between 1900 and 2100; dates of
birth go back to the ID numbers' earliest (1880).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

from .id_number import EARLIEST_BIRTH_DATE, today_in_china

__all__ = [
    "EARLIEST_EVENT_DAY",
    "LATEST_EVENT_DAY",
    "check_birth_date",
    "check_event_day",
    "check_event_instant",
    "parse_day",
    "parse_instant",
]

EARLIEST_EVENT_DAY: Final = date(1900, 1, 1)
LATEST_EVENT_DAY: Final = date(2100, 12, 31)

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# RFC 3339 date-time (seconds may be left out); the offset is required.
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_DAY_MESSAGE = "must be a date written YYYY-MM-DD"
_INSTANT_MESSAGE = "must be an RFC 3339 date-time with an offset, e.g. 2026-03-01T08:30:00+08:00"


def parse_day(value: object) -> object:
    """Read a day from a `date` or a `YYYY-MM-DD` string; numbers and instants are refused."""
    if isinstance(value, datetime):
        raise ValueError(_DAY_MESSAGE)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or _DAY.fullmatch(value) is None:
        raise ValueError(_DAY_MESSAGE)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a valid calendar date") from None


def check_event_day(value: date) -> date:
    """A day between 1900-01-01 and 2100-12-31."""
    if not EARLIEST_EVENT_DAY <= value <= LATEST_EVENT_DAY:
        raise ValueError(f"must be between {EARLIEST_EVENT_DAY} and {LATEST_EVENT_DAY}")
    return value


def check_birth_date(value: date) -> date:
    """A date of birth: not before the earliest an ID number can carry, not in the future."""
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError(f"must not be before {EARLIEST_BIRTH_DATE}")
    if value > today_in_china():
        raise ValueError("must not be in the future")
    return value


def check_event_instant(value: datetime) -> datetime:
    """An aware instant whose year lies between 1900 and 2100 (checked before any conversion)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_INSTANT_MESSAGE)
    # The wall-clock year is checked first: converting year 1 or 9999 to UTC overflows.
    if not EARLIEST_EVENT_DAY.year <= value.year <= LATEST_EVENT_DAY.year:
        raise ValueError(f"must lie between {EARLIEST_EVENT_DAY.year} and {LATEST_EVENT_DAY.year}")
    return value


def parse_instant(value: object) -> object:
    """Read an instant from an aware `datetime` or an RFC 3339 string; numbers are refused."""
    if isinstance(value, datetime):
        return check_event_instant(value)
    if not isinstance(value, str) or _INSTANT.fullmatch(value) is None:
        raise ValueError(_INSTANT_MESSAGE)
    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError:
        raise ValueError("is not a valid date-time") from None
    return check_event_instant(parsed)
