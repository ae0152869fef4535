"""GB/T 2260 administrative division codes, checked against the shipped table `data/gb2260.csv`."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "NATIONAL_PREFIX",
    "RegionLevel",
    "normalize_region_code",
    "normalize_region_prefix",
    "province_codes",
    "region_full_name",
    "region_level",
    "region_name",
    "region_prefix_digits",
    "region_table",
]

RegionLevel = Literal["province", "prefecture", "county"]

NATIONAL_PREFIX: Final = "000000"
"""The jurisdiction prefix that covers the whole country."""

_REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")
_SIX_DIGITS = re.compile(r"[0-9]{6}")
_TABLE_FILE: Final = Path(__file__).with_name("data") / "gb2260.csv"


@functools.cache
def region_table() -> Mapping[str, str]:
    """Return the shipped GB/T 2260 table as a read-only mapping of 6-digit code to name."""
    raw = _TABLE_FILE.read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        code, name = row["code"], row["name"]
        if _SIX_DIGITS.fullmatch(code) is None or not name:
            raise RuntimeError(f"malformed row in gb2260.csv: {row!r}")
        table[code] = name
    return MappingProxyType(table)


@functools.cache
def province_codes() -> frozenset[str]:
    """Return the two-digit province codes present in the table."""
    return frozenset(code[:2] for code in region_table() if code.endswith("0000"))


def _level(code: str) -> RegionLevel:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    if value != value.strip():
        raise ValueError(f"{what} must not have leading or trailing whitespace")
    return value


def normalize_region_code(value: str) -> str:
    """Validate a 6-digit GB/T 2260 code or a 9/12-digit statistical code and return it."""
    code = _require_str(value, "region code")
    if _REGION_CODE.fullmatch(code) is None:
        raise ValueError("region code must be 6 digits, or a 9 or 12 digit statistical code")
    if code[:6] not in region_table():
        raise ValueError(f"unknown region code {code[:6]} (not in the GB/T 2260 table)")
    # A padded 12-digit code (township 000) cannot name a village.
    if len(code) == 12 and code[6:9] == "000" and code[9:] != "000":
        raise ValueError("statistical region code has a village part but no township part")
    return code


def normalize_region_prefix(value: str) -> str:
    """Validate a jurisdiction prefix: 000000 or a 6-digit code present in the table."""
    prefix = _require_str(value, "region prefix")
    if _SIX_DIGITS.fullmatch(prefix) is None:
        raise ValueError("region prefix must be 6 digits, e.g. 420000, 420200 or 000000")
    if prefix != NATIONAL_PREFIX and prefix not in region_table():
        raise ValueError(f"unknown region prefix {prefix} (not in the GB/T 2260 table)")
    return prefix


def region_prefix_digits(prefix: str) -> str:
    """Return the significant digits of a jurisdiction prefix ("" for 000000, "42" for 420000)."""
    prefix = normalize_region_prefix(prefix)
    if prefix == NATIONAL_PREFIX:
        return ""
    return {"province": prefix[:2], "prefecture": prefix[:4], "county": prefix}[_level(prefix)]


def region_level(code: str) -> RegionLevel:
    """Return the level of a 6-digit code in the table (province, prefecture or county)."""
    if _SIX_DIGITS.fullmatch(code) is None or code not in region_table():
        raise ValueError(f"unknown region code {code!r}")
    return _level(code)


def region_name(code: str) -> str | None:
    """Return the name of a 6/9/12-digit region code's division, or None when unknown."""
    if not isinstance(code, str) or _REGION_CODE.fullmatch(code) is None:
        return None
    return region_table().get(code[:6])


def region_full_name(code: str) -> str | None:
    """Return province + prefecture + county names (e.g. 湖北省黄石市黄石港区), or None."""
    if region_name(code) is None:
        return None
    code = code[:6]
    table = region_table()
    parts = [code[:2] + "0000", code[:4] + "00", code]
    # Dedupe because a province or prefecture code is its own ancestor.
    names = [table[part] for part in dict.fromkeys(parts) if part in table]
    return "".join(names)
