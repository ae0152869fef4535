"""The one jurisdiction rule (interface §3), as a Python check and as an SQL filter.

A record is inside a caller's jurisdiction when its region starts with the significant
digits of the caller's prefix: 420000 → "42", 420200 → "4202", 420202 → "420202",
000000 (national) → "" (everything). Every read, list, feed, statistic, worklist,
cross-check and export takes its filter from here.
"""

from functools import cache
from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from api.validation import region_prefix_digits


# Every request and every imported line asks; only prefixes of the region table are kept
# (anything else raises), so the cache stays within the table's size.
@cache
def significant_digits(prefix: str) -> str:
    """The digits a region must start with to lie inside `prefix` ("" for national)."""
    return region_prefix_digits(prefix)


def in_jurisdiction(prefix: str, region: str | None) -> bool:
    """Tell whether a record's region lies inside the jurisdiction `prefix`."""
    return region is not None and region.startswith(significant_digits(prefix))


def covers(prefix: str, other: str) -> bool:
    """Tell whether jurisdiction `prefix` contains the whole of jurisdiction `other`."""
    return significant_digits(other).startswith(significant_digits(prefix))


def narrowed(prefix: str, requested: str | None) -> str | None:
    """The digits of the narrower of `prefix` and a requested region; None if disjoint."""
    own = significant_digits(prefix)
    if requested is None:
        return own
    wanted = significant_digits(requested)
    if wanted.startswith(own):
        return wanted
    return own if own.startswith(wanted) else None


def digits_filter(column: Any, digits: str | None) -> ColumnElement[bool]:
    """SQL: `column` starts with `digits` (None: nothing matches, "": everything)."""
    if digits is None:
        return false()
    if not digits:
        return true()
    condition: ColumnElement[bool] = column.startswith(digits, autoescape=True)
    return condition


def jurisdiction_filter(
    column: Any, prefix: str, *, requested: str | None = None
) -> ColumnElement[bool]:
    """SQL: `column` lies inside jurisdiction `prefix` (and inside `requested`, if given)."""
    return digits_filter(column, narrowed(prefix, requested))
