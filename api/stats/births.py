"""Birth statistics: live births by month, sex ratio at birth, registration completeness."""

from datetime import timedelta
from typing import Any

from sqlalchemy import case, exists, func
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.access.jurisdiction import digits_filter
from api.access.principal import Access
from api.models import Birth, HouseholdEntry
from api.stats.sql import county, day_start, shanghai_day, shanghai_month, within
from api.stats.statistic import Statistic, StatsQuery, named, ratio, scope, total
from api.validation.time_limits import REGISTRATION_DAYS

LIVE_BIRTH_STATUS = "registered"


def live_births(prefix: str, query: StatsQuery) -> list[ColumnElement[bool]]:
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
        *within(col(Birth.birth_datetime), query.date_from, query.date_to),
    ]
    conditions.append(digits_filter(col(Birth.birth_region), prefix))
    return conditions


def births_by_month(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Live births by Asia/Shanghai month and county."""
    query, prefix, label = scope(session, access, "births-by-month", query)
    columns = ("month", "region", "region_name", "births")
    if prefix is None:
        return Statistic("births-by-month", columns, label, query, [], total(births=0))
    month, region = shanghai_month(Birth.birth_datetime), county(Birth.birth_region)
    rows = session.exec(
        select(month, region, func.count())
        .where(*live_births(prefix, query))
        .group_by(month, region)
        .order_by(month, region)
    ).all()
    items = [{"month": m, **named(r), "births": n} for m, r, n in rows]
    overall = total(month=None, births=sum(i["births"] for i in items))
    return Statistic("births-by-month", columns, label, query, items, overall)


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
    query, prefix, label = scope(session, access, "sex-ratio", query)
    columns = ("region", "region_name", "births", "males", "females", "unknown", "sex_ratio")
    counts: dict[str, dict[str, int]] = {}
    if prefix is not None:
        region = county(Birth.birth_region)
        rows = session.exec(
            select(region, col(Birth.child_sex), func.count())
            .where(*live_births(prefix, query))
            .group_by(region, col(Birth.child_sex))
            .order_by(region)
        ).all()
        for r, sex, n in rows:
            counts.setdefault(r, {}).setdefault(sex, 0)
            counts[r][sex] += n
    items = [
        {**named(r), **_sex_ratio_row(c.get("male", 0), c.get("female", 0), _others(c))}
        for r, c in counts.items()
    ]
    sums = [sum(i[k] for i in items) for k in ("males", "females", "unknown")]
    return Statistic("sex-ratio", columns, label, query, items, total(**_sex_ratio_row(*sums)))


def _others(by_sex: dict[str, int]) -> int:
    return sum(n for sex, n in by_sex.items() if sex not in ("male", "female"))


def registration_completeness(session: Session, *, access: Access, query: StatsQuery) -> Statistic:
    """Share of births over 30 days old (as of `as_of`) registered within 30 days of birth.

    A birth counts as registered when a live household `birth` entry cites its certificate
    number (or the one it replaced), or names its mother and birth day, and was made no
    later than 30 days after the birth day.
    """
    query, prefix, label = scope(session, access, "registration-completeness", query)
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
        old_enough = col(Birth.birth_datetime) < day_start(
            query.as_of - timedelta(days=REGISTRATION_DAYS)
        )
        region = county(Birth.birth_region)
        rows = session.exec(
            select(region, func.count(), func.sum(case((registered, 1), else_=0)))
            .where(*live_births(prefix, query), old_enough)
            .group_by(region)
            .order_by(region)
        ).all()
        items = [_completeness_row(named(r), n, int(k or 0)) for r, n, k in rows]
    births = sum(i["births"] for i in items)
    in_time = sum(i["registered_in_time"] for i in items)
    overall = _completeness_row(total(), births, in_time)
    return Statistic("registration-completeness", columns, label, query, items, overall)


def _completeness_row(base: dict[str, Any], births: int, in_time: int) -> dict[str, Any]:
    return {
        **base,
        "births": births,
        "registered_in_time": in_time,
        "completeness": ratio(in_time, births),
    }
