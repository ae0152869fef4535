"""Portable SQL for statistics: Asia/Shanghai days and months of UTC instants, counties.

Days and months are Asia/Shanghai calendar days of the stored UTC instants (UTC+8 all
year), spelled for SQLite and PostgreSQL alike.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, String, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from api.models.base import SHANGHAI


class _ShanghaiDay(FunctionElement[date]):
    """The Asia/Shanghai day of a UTC instant column, plus a whole number of days."""

    type = Date()
    inherit_cache = True
    name = "shanghai_day"


class _ShanghaiMonth(FunctionElement[str]):
    """The Asia/Shanghai month (`YYYY-MM`) of a UTC instant column."""

    type = String()
    inherit_cache = True
    name = "shanghai_month"


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(_ShanghaiDay, "sqlite")
def _sqlite_day(element: _ShanghaiDay, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps instants as naive UTC text; its date() shifts them by modifiers.
    instant, days = _arguments(element, compiler, **kw)
    return f"date({instant}, '+8 hours', '{days} days')"


@compiles(_ShanghaiDay)
def _postgresql_day(element: _ShanghaiDay, compiler: SQLCompiler, **kw: Any) -> str:
    instant, days = _arguments(element, compiler, **kw)
    return f"(CAST(timezone('Asia/Shanghai', {instant}) AS DATE) + {days})"


@compiles(_ShanghaiMonth, "sqlite")
def _sqlite_month(element: _ShanghaiMonth, compiler: SQLCompiler, **kw: Any) -> str:
    (instant,) = _arguments(element, compiler, **kw)
    return f"strftime('%Y-%m', {instant}, '+8 hours')"


@compiles(_ShanghaiMonth)
def _postgresql_month(element: _ShanghaiMonth, compiler: SQLCompiler, **kw: Any) -> str:
    (instant,) = _arguments(element, compiler, **kw)
    return f"to_char(timezone('Asia/Shanghai', {instant}), 'YYYY-MM')"


def shanghai_day(instant: Any, plus_days: int = 0) -> ColumnElement[date]:
    """SQL for the Asia/Shanghai day of a UTC instant column, `plus_days` later."""
    # The day count is rendered inline, never bound: PostgreSQL only matches a SELECT
    # expression to its GROUP BY twin when both are spelled alike.
    return _ShanghaiDay(instant, literal_column(str(int(plus_days))))


def shanghai_month(instant: Any) -> ColumnElement[str]:
    """SQL for the Asia/Shanghai month (`YYYY-MM`) of a UTC instant column."""
    return _ShanghaiMonth(instant)


def county(region: Any) -> ColumnElement[str]:
    """SQL for the county-level (6-digit) part of a region code column."""
    return func.substr(region, literal_column("1"), literal_column("6"))


def day_start(day: date) -> datetime:
    """The first instant of an Asia/Shanghai day."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def within(instant: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """Conditions keeping an instant column inside the days `first`..`last` (both included)."""
    conditions = []
    if first:
        conditions.append(instant >= day_start(first))
    if last:
        conditions.append(instant < day_start(last + timedelta(days=1)))
    return conditions
