"""GB 11643 citizen identification numbers (18 characters, ISO 7064 MOD 11-2 check)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from .codes import Sex
from .region import province_codes

__all__ = [
    "EARLIEST_BIRTH_DATE",
    "IdNumberDisagreement",
    "check_id_number_agrees",
    "id_number_birth_date",
    "id_number_check_char",
    "id_number_sex",
    "mask_id_number",
    "normalize_id_number",
    "today_in_china",
]

EARLIEST_BIRTH_DATE: Final = date(1880, 1, 1)
"""No living or recently deceased person was born before this day."""

# Residence permits for Taiwan residents use the GB 11643 layout with prefix 83, which is not
# a division code (Hong Kong 81 and Macao 82 permits already match their table entries).
_EXTRA_ID_PREFIXES: Final = frozenset({"83"})

ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
"""ISO 7064 MOD 11-2 weights of the first 17 digits (GB 11643)."""
CHECK_CHARACTERS: Final = "10X98765432"
"""The check character for each weighted sum modulo 11."""
# Per position, each digit's weighted value: the sum is table look-ups, no int() per digit.
_WEIGHTED: Final = tuple({str(d): d * weight for d in range(10)} for weight in ID_WEIGHTS)
_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]")
_FIRST17 = re.compile(r"[0-9]{17}")
_CHINA_TZ: Final = ZoneInfo("Asia/Shanghai")
# Today in China and the instant (POSIX seconds) it ends: the zone is consulted once a day.
_today: tuple[date, float] = (date.min, float("-inf"))


class IdNumberDisagreement(ValueError):
    """An ID number disagrees with the birth date and/or sex recorded beside it."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields: tuple[str, ...] = tuple(fields)
        what = " and ".join(self.fields)
        verb = "does" if len(self.fields) == 1 else "do"
        super().__init__(f"{what} {verb} not agree with id_number")


def today_in_china() -> date:
    """Return today's date in Asia/Shanghai, the reference for 'not in the future'."""
    global _today
    day, ends = _today
    if time.time() < ends:
        return day
    now = datetime.now(_CHINA_TZ)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), _CHINA_TZ)
    _today = (now.date(), midnight.timestamp())
    return now.date()


def _check_character(digits: str) -> str:
    # `digits` holds at least 17 digits; only the first 17 count (map stops at the tables).
    return CHECK_CHARACTERS[sum(map(dict.__getitem__, _WEIGHTED, digits)) % 11]


def id_number_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character (0-9 or X) for 17 leading digits."""
    if not isinstance(first17, str) or _FIRST17.fullmatch(first17) is None:
        raise ValueError("the first 17 characters of an ID number must be digits")
    return _check_character(first17)


def has_valid_check_character(value: str) -> bool:
    """Tell whether `value` is 17 digits and their correct check character (no exception)."""
    if len(value) != 18 or _FIRST17.fullmatch(value, 0, 17) is None:
        return False
    return _check_character(value) == value[17]


def check_character_sql(column: str) -> str:
    """The same check as an SQL expression over a text `column` (DuckDB, 1-based index)."""
    total = " + ".join(f"(ascii({column}[{i + 1}]) - 48) * {w}" for i, w in enumerate(ID_WEIGHTS))
    return f"substr('{CHECK_CHARACTERS}', 1 + ({total}) % 11, 1)"


def _birth_date(id_number: str) -> date:
    digits = id_number[6:14]
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValueError("ID number contains an invalid birth date") from None
    if born < EARLIEST_BIRTH_DATE:
        raise ValueError("ID number birth date is before 1880")
    if born > today_in_china():
        raise ValueError("ID number birth date is in the future")
    return born


def normalize_id_number(value: str) -> str:
    """Validate an 18-character resident ID number and return it with an uppercase X."""
    if not isinstance(value, str):
        raise TypeError(f"ID number must be a string, not {type(value).__name__}")
    # Messages never echo the value: they end up in logs and problem bodies.
    if value != value.strip():
        raise ValueError("ID number must not have leading or trailing whitespace")
    if len(value) != 18:
        raise ValueError(f"ID number must be 18 characters, got {len(value)}")
    if _SHAPE.fullmatch(value) is None:
        raise ValueError("ID number must be 17 digits followed by a digit or X")
    id_number = value if value[17] != "x" else value.upper()
    if _check_character(id_number) != id_number[17]:
        raise ValueError("ID number check character is wrong (ISO 7064 MOD 11-2)")
    # Only the province is checked: IDs keep the county code of their issue date, and many
    # such counties have since been abolished.
    if id_number[:2] not in province_codes() and id_number[:2] not in _EXTRA_ID_PREFIXES:
        raise ValueError("ID number does not start with a known province code")
    _birth_date(id_number)
    return id_number


def id_number_birth_date(id_number: str) -> date:
    """Return the birth date encoded in a valid ID number."""
    return _birth_date(normalize_id_number(id_number))


def id_number_sex(id_number: str) -> Sex:
    """Return the sex encoded in a valid ID number (odd sequence = male)."""
    return Sex.MALE if int(normalize_id_number(id_number)[16]) % 2 else Sex.FEMALE


def check_id_number_agrees(
    id_number: str, *, birth_date: date | None = None, sex: Sex | str | None = None
) -> None:
    """Raise IdNumberDisagreement naming birth_date and/or sex when they contradict the ID."""
    if isinstance(birth_date, datetime):
        # Which day an instant falls on depends on the time zone: the caller must decide.
        raise TypeError("birth_date must be a date, not a datetime")
    id_number = normalize_id_number(id_number)
    wrong: list[str] = []
    if birth_date is not None and birth_date != _birth_date(id_number):
        wrong.append("birth_date")
    # 'unknown' withholds the sex rather than contradicting the ID.
    if sex is not None and Sex(sex) is not Sex.UNKNOWN and Sex(sex) is not id_number_sex(id_number):
        wrong.append("sex")
    if wrong:
        raise IdNumberDisagreement(wrong)


def mask_id_number(id_number: str) -> str:
    """Return the ID with its birth date and sequence hidden: 420202********1234."""
    if not isinstance(id_number, str) or len(id_number) != 18:
        # Refuse rather than guess which part of an odd-length value is sensitive.
        raise ValueError("only an 18-character ID number can be masked")
    return f"{id_number[:6]}{'*' * 8}{id_number[14:]}"
