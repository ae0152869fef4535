"""Statistics (统计): aggregates over births, household entries, discrepancies, applications.

Every figure is an SQL GROUP BY cut to the caller's jurisdiction; no personal record leaves
the database, so a request is audited once, as a whole, with no record ids. Days and
months are Asia/Shanghai calendar days of the stored UTC instants (UTC+8 all year).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, String, case, exists, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from api.access.jurisdiction import digits_filter, narrowed
from api.access.principal import Access
from api.crosscheck.linkage.findings import DiscrepancyType
from api.errors import FieldError, InvalidInput
from api.journal.audit import record_access
from api.models import Birth, BirthServiceApplication, Discrepancy, HouseholdEntry
from api.models.base import SHANGHAI
from api.models.discrepancy import DiscrepancyStatus
from api.validation import region_name, today_in_china
from api.validation.time_limits import REGISTRATION_DAYS

RESOURCE = "stats"
LIVE_BIRTH_STATUS = "registered"
ONLINE_CHANNEL = "online"
TOTAL_LABEL = "合计"
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9999, 12, 30)


# -- portable day and month expressions ---------------------------------------------------


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


# -- what a request asks for, and what it answers -----------------------------------------


@dataclass(frozen=True)
class StatsQuery:
    """The region prefix and the days a statistic covers (both ends included)."""

    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None

    def checked(self) -> "StatsQuery":
        """The query with `as_of` defaulted to today; 422 for an impossible range."""
        today = today_in_china()
        for name, day in (("from", self.date_from), ("to", self.date_to), ("as_of", self.as_of)):
            # Days at the ends of the calendar would overflow as UTC instants.
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                raise InvalidInput(
                    f"{name} must lie between {EARLIEST_DAY} and {LATEST_DAY}.",
                    errors=[FieldError(name, "out of range")],
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(
                "The period is empty: 'from' is after 'to'.",
                errors=[FieldError("from", "must not be after to")],
            )
        if self.as_of and self.as_of > today:
            raise InvalidInput(
                "as_of must not be in the future.",
                errors=[FieldError("as_of", "must not be in the future")],
            )
        return StatsQuery(self.region, self.date_from, self.date_to, self.as_of or today)


@dataclass(frozen=True)
class Statistic:
    """One statistic's table: rows by region (and month), and their total."""

    name: str
    columns: tuple[str, ...]
    region: str
    query: StatsQuery
    items: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON answer: what was counted, over which region and days, and the rows."""
        return {
            "statistic": self.name,
            "region": self.region,
            "from": self.query.date_from.isoformat() if self.query.date_from else None,
            "to": self.query.date_to.isoformat() if self.query.date_to else None,
            "as_of": self.query.as_of.isoformat() if self.query.as_of else None,
            "items": self.items,
            "total": self.total,
        }


def to_csv(statistic: Statistic) -> str:
    """The rows as CSV (with a BOM, so that spreadsheet programs read the Chinese names)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=statistic.columns, lineterminator="\r\n")
    writer.writeheader()
    rows = [*statistic.items, *([statistic.total] if statistic.total else [])]
    writer.writerows(
        {k: "" if row.get(k) is None else row.get(k) for k in statistic.columns} for row in rows
    )
    return "\ufeff" + out.getvalue()


def ratio(part: int, whole: int, *, scale: int = 1, digits: int = 4) -> float | None:
    """`part / whole * scale`, rounded; None when there is nothing to divide by."""
    return round(part * scale / whole, digits) if whole else None


def _scope(
    session: Session, access: Access, name: str, query: StatsQuery
) -> tuple[StatsQuery, str | None, str]:
    """Check the query, note the request's one audit event, and find the prefix it covers."""
    checked = query.checked()
    prefix = narrowed(access.principal.region, checked.region)
    record_access(session, access, action=name, resource=RESOURCE, record_ids=[])
    label = prefix.ljust(6, "0") if prefix is not None else (checked.region or "")
    return checked, prefix, label


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _within(instant: Any, query: StatsQuery) -> list[ColumnElement[bool]]:
    """Conditions keeping an instant column inside the query's days."""
    conditions = []
    if query.date_from:
        conditions.append(instant >= _day_start(query.date_from))
    if query.date_to:
        conditions.append(instant < _day_start(query.date_to + timedelta(days=1)))
    return conditions


def _live_births(prefix: str, query: StatsQuery) -> list[ColumnElement[bool]]:
    """Registered, unvoided births not superseded by a reissued certificate (换发)."""
    newer = aliased(Birth)
    superseded = exists().where(
        col(newer.replaces_certificate_no) == col(Birth.certificate_no),
        col(newer.status) == LIVE_BIRTH_STATUS,
        col(newer.voided_at).is_(None),
    )
    conditions = [
        col(Birth.status) == LIVE_BIRTH_STATUS,
        col(Birth.voided_at).is_(None),
        ~superseded,
        *_within(col(Birth.birth_datetime), query),
    ]
    conditions.append(digits_filter(col(Birth.birth_region), prefix))
    return conditions


def _named(region: str) -> dict[str, Any]:
    return {"region": region, "region_name": region_name(region)}


def _total(**values: Any) -> dict[str, Any]:
    return {"region": None, "region_name": TOTAL_LABEL, **values}


# -- the statistics ---------------------------------------------------------------------


def births_by_month(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Live births by Asia/Shanghai month and county."""
    query, prefix, label = _scope(session, access, "births-by-month", query)
    columns = ("month", "region", "region_name", "births")
    if prefix is None:
        return Statistic("births-by-month", columns, label, query, [], _total(births=0))
    month, region = shanghai_month(Birth.birth_datetime), county(Birth.birth_region)
    rows = session.exec(
        select(month, region, func.count())
        .where(*_live_births(prefix, query))
        .group_by(month, region)
        .order_by(month, region)
    ).all()
    items = [{"month": m, **_named(r), "births": n} for m, r, n in rows]
    total = _total(month=None, births=sum(i["births"] for i in items))
    return Statistic("births-by-month", columns, label, query, items, total)


def _sex_ratio_row(males: int, females: int, unknown: int) -> dict[str, Any]:
    return {
        "births": males + females + unknown,
        "males": males,
        "females": females,
        "unknown": unknown,
        "sex_ratio": ratio(males, females, scale=100, digits=1),
    }


def sex_ratio(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Sex ratio at birth (males per 100 females) among live births, by county."""
    query, prefix, label = _scope(session, access, "sex-ratio", query)
    columns = ("region", "region_name", "births", "males", "females", "unknown", "sex_ratio")
    counts: dict[str, dict[str, int]] = {}
    if prefix is not None:
        region = county(Birth.birth_region)
        rows = session.exec(
            select(region, col(Birth.child_sex), func.count())
            .where(*_live_births(prefix, query))
            .group_by(region, col(Birth.child_sex))
            .order_by(region)
        ).all()
        for r, sex, n in rows:
            counts.setdefault(r, {}).setdefault(sex, 0)
            counts[r][sex] += n
    items = [
        {**_named(r), **_sex_ratio_row(c.get("male", 0), c.get("female", 0), _others(c))}
        for r, c in counts.items()
    ]
    sums = [sum(i[k] for i in items) for k in ("males", "females", "unknown")]
    return Statistic("sex-ratio", columns, label, query, items, _total(**_sex_ratio_row(*sums)))


def _others(by_sex: dict[str, int]) -> int:
    return sum(n for sex, n in by_sex.items() if sex not in ("male", "female"))


def registration_completeness(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Share of births over 30 days old (as of `as_of`) registered within 30 days of birth.

    A birth counts as registered when a live household `birth` entry cites its certificate
    number (or the one it replaced), or names its mother and birth day, and was made no
    later than 30 days after the birth day.
    """
    query, prefix, label = _scope(session, access, "registration-completeness", query)
    columns = ("region", "region_name", "births", "registered_in_time", "completeness")
    items: list[dict[str, Any]] = []
    if prefix is not None:
        assert query.as_of is not None
        born_on = shanghai_day(Birth.birth_datetime)
        entry = aliased(HouseholdEntry)
        registered = exists().where(
            col(entry.entry_type) == "birth",
            col(entry.voided_at).is_(None),
            col(entry.registered_on) <= shanghai_day(Birth.birth_datetime, REGISTRATION_DAYS),
            (col(entry.birth_certificate_no) == col(Birth.certificate_no))
            | (col(entry.birth_certificate_no) == col(Birth.replaces_certificate_no))
            | (
                (col(entry.mother_id_number) == col(Birth.mother_id_number))
                & (col(entry.person_birth_date) == born_on)
            ),
        )
        # Older than 30 days: born before the day 30 days ahead of as_of began.
        old_enough = col(Birth.birth_datetime) < _day_start(
            query.as_of - timedelta(days=REGISTRATION_DAYS)
        )
        region = county(Birth.birth_region)
        rows = session.exec(
            select(region, func.count(), func.sum(case((registered, 1), else_=0)))
            .where(*_live_births(prefix, query), old_enough)
            .group_by(region)
            .order_by(region)
        ).all()
        items = [_completeness_row(_named(r), n, int(k or 0)) for r, n, k in rows]
    births = sum(i["births"] for i in items)
    in_time = sum(i["registered_in_time"] for i in items)
    total = _completeness_row(_total(), births, in_time)
    return Statistic("registration-completeness", columns, label, query, items, total)


def _completeness_row(base: dict[str, Any], births: int, in_time: int) -> dict[str, Any]:
    return {
        **base,
        "births": births,
        "registered_in_time": in_time,
        "completeness": ratio(in_time, births),
    }


def discrepancy_closure(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Per discrepancy type: how many the period's runs opened, how many are resolved, and
    how many unresolved ones are past their due date as of `as_of`."""
    query, prefix, label = _scope(session, access, "discrepancy-closure", query)
    columns = ("type", "opened", "resolved", "closure_rate", "overdue")
    found: dict[str, tuple[int, int, int]] = {}
    if prefix is not None:
        resolved = col(Discrepancy.status) == DiscrepancyStatus.RESOLVED.value
        overdue = ~resolved & (col(Discrepancy.due_by) < query.as_of)
        conditions = _within(col(Discrepancy.detected_at), query)
        conditions.append(digits_filter(col(Discrepancy.region), prefix))
        rows = session.exec(
            select(
                col(Discrepancy.type),
                func.count(),
                func.sum(case((resolved, 1), else_=0)),
                func.sum(case((overdue, 1), else_=0)),
            )
            .where(*conditions)
            .group_by(col(Discrepancy.type))
        ).all()
        found = {t: (n, int(r or 0), int(o or 0)) for t, n, r, o in rows}
    known = [t.value for t in DiscrepancyType]
    kinds = known + sorted(set(found) - set(known))
    items = [_closure_row(t, *found.get(t, (0, 0, 0))) for t in kinds]
    sums = [sum(i[k] for i in items) for k in ("opened", "resolved", "overdue")]
    total = _closure_row(TOTAL_LABEL, *sums)
    return Statistic("discrepancy-closure", columns, label, query, items, total)


def _closure_row(kind: str, opened: int, resolved: int, overdue: int) -> dict[str, Any]:
    return {
        "type": kind,
        "opened": opened,
        "resolved": resolved,
        "closure_rate": ratio(resolved, opened),
        "overdue": overdue,
    }


def online_share(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Share of birth-service applications submitted online, by household county."""
    query, prefix, label = _scope(session, access, "online-share", query)
    columns = ("region", "region_name", "applications", "online", "online_share")
    items: list[dict[str, Any]] = []
    if prefix is not None:
        application = BirthServiceApplication
        is_online = col(application.channel) == ONLINE_CHANNEL
        conditions = [
            col(application.voided_at).is_(None),
            *_within(col(application.created_at), query),
        ]
        conditions.append(digits_filter(col(application.household_region), prefix))
        region = county(application.household_region)
        rows = session.exec(
            select(region, func.count(), func.sum(case((is_online, 1), else_=0)))
            .where(*conditions)
            .group_by(region)
            .order_by(region)
        ).all()
        items = [_share_row(_named(r), n, int(k or 0)) for r, n, k in rows]
    total = _share_row(
        _total(), sum(i["applications"] for i in items), sum(i["online"] for i in items)
    )
    return Statistic("online-share", columns, label, query, items, total)


def _share_row(base: dict[str, Any], applications: int, online: int) -> dict[str, Any]:
    return {
        **base,
        "applications": applications,
        "online": online,
        "online_share": ratio(online, applications),
    }
