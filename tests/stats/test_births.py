"""Birth statistics: each figure on known data, cut to the caller's jurisdiction."""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from api.errors import InvalidInput
from api.stats import births as stats
from api.stats.statistic import StatsQuery
from api.validation import today_in_china
from tests.factories import access_for
from tests.stats.seed import AS_OF, HUANGSHI, add_birth, add_birth_entry, at, by_region

# -- births by month --------------------------------------------------------------------------


def test_births_are_counted_by_month_in_shanghai_and_by_county(session: Session) -> None:
    add_birth(session, at(date(2026, 1, 31), 23, 30))  # 15:30 UTC: still January
    add_birth(session, at(date(2026, 2, 1), 1, 0))  # 17:00 UTC on 31 January: February
    add_birth(session, at(date(2026, 2, 14)), region="420202001")  # a township code
    add_birth(session, at(date(2026, 2, 20)), region="420281")

    result = stats.births_by_month(session, access=HUANGSHI, query=StatsQuery())

    assert [(i["month"], i["region"], i["births"]) for i in result.items] == [
        ("2026-01", "420202", 1),
        ("2026-02", "420202", 2),
        ("2026-02", "420281", 1),
    ]
    assert result.items[0]["region_name"] == "黄石港区"
    assert result.total is not None and result.total["births"] == 4


def test_void_and_superseded_birth_records_are_not_births(session: Session) -> None:
    old = add_birth(session, at(date(2026, 1, 5)))
    add_birth(session, at(date(2026, 1, 5)), replaces=old.certificate_no)  # 换发: one child
    add_birth(session, at(date(2026, 1, 6)), voided=True)
    add_birth(session, at(date(2026, 1, 7)), status="void")

    result = stats.births_by_month(session, access=HUANGSHI, query=StatsQuery())

    assert [(i["month"], i["births"]) for i in result.items] == [("2026-01", 1)]


def test_a_reissue_that_was_voided_leaves_the_old_certificate_counted(session: Session) -> None:
    old = add_birth(session, at(date(2026, 1, 5)))
    add_birth(session, at(date(2026, 1, 5)), replaces=old.certificate_no, voided=True)

    result = stats.births_by_month(session, access=HUANGSHI, query=StatsQuery())

    assert result.total is not None and result.total["births"] == 1


def test_births_are_cut_to_the_jurisdiction_and_the_requested_region(session: Session) -> None:
    add_birth(session, at(date(2026, 1, 5)), region="420202")
    add_birth(session, at(date(2026, 1, 5)), region="420281")
    add_birth(session, at(date(2026, 1, 5)), region="420102")  # Wuhan

    def regions(access: Any = HUANGSHI, region: str | None = None) -> list[str]:
        query = StatsQuery(region=region)
        return [
            i["region"] for i in stats.births_by_month(session, access=access, query=query).items
        ]

    assert regions() == ["420202", "420281"]
    assert regions(region="420281") == ["420281"]
    assert regions(region="420000") == ["420202", "420281"]  # wider than allowed: cut
    assert regions(region="420100") == []  # outside: nothing, not an error
    assert regions(access_for("health_commission", "000000")) == ["420102", "420202", "420281"]


def test_the_period_takes_whole_days_in_shanghai_both_ends_included(session: Session) -> None:
    add_birth(session, at(date(2026, 1, 31), 23, 59))
    add_birth(session, at(date(2026, 2, 1), 0, 1))
    add_birth(session, at(date(2026, 2, 28), 23, 59))
    add_birth(session, at(date(2026, 3, 1), 0, 0))

    query = StatsQuery(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    result = stats.births_by_month(session, access=HUANGSHI, query=query)

    assert [(i["month"], i["births"]) for i in result.items] == [("2026-02", 2)]


def test_an_empty_or_future_period_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput):
        stats.births_by_month(
            session,
            access=HUANGSHI,
            query=StatsQuery(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1)),
        )
    with pytest.raises(InvalidInput):
        stats.registration_completeness(
            session,
            access=HUANGSHI,
            query=StatsQuery(as_of=today_in_china() + timedelta(days=1)),
        )


# -- sex ratio --------------------------------------------------------------------------------


def test_sex_ratio_is_males_per_hundred_females_by_county_and_in_total(session: Session) -> None:
    for sex, count in (("male", 6), ("female", 5), ("unknown", 1)):
        for _ in range(count):
            add_birth(session, at(date(2026, 1, 5)), sex=sex)
    add_birth(session, at(date(2026, 1, 5)), region="420281", sex="male")

    result = stats.sex_ratio(session, access=HUANGSHI, query=StatsQuery())

    shown = by_region(result)
    assert shown["420202"] | {"region_name": None} == {
        "region": "420202",
        "region_name": None,
        "births": 12,
        "males": 6,
        "females": 5,
        "unknown": 1,
        "sex_ratio": 120.0,
    }
    assert shown["420281"]["sex_ratio"] is None  # no girls: no ratio rather than infinity
    assert result.total is not None
    assert (result.total["males"], result.total["females"]) == (7, 5)
    assert result.total["sex_ratio"] == 140.0


# -- registration completeness --------------------------------------------------------------


def test_completeness_counts_births_registered_within_30_days(session: Session) -> None:
    day = AS_OF - timedelta(days=60)
    on_time = add_birth(session, at(day))
    add_birth_entry(session, on_time, day + timedelta(days=30))
    late = add_birth(session, at(day))
    add_birth_entry(session, late, day + timedelta(days=31))
    by_mother = add_birth(session, at(day, 23, 30))  # the Shanghai day, not the UTC one
    add_birth_entry(session, by_mother, day + timedelta(days=3), cites="mother")
    add_birth(session, at(day))  # never registered
    too_young = add_birth(session, at(AS_OF - timedelta(days=30)))  # not yet due
    add_birth_entry(session, too_young, AS_OF)

    result = stats.registration_completeness(
        session, access=HUANGSHI, query=StatsQuery(as_of=AS_OF)
    )

    assert by_region(result)["420202"] | {"region_name": None} == {
        "region": "420202",
        "region_name": None,
        "births": 4,
        "registered_in_time": 2,
        "completeness": 0.5,
    }
    assert result.as_json()["as_of"] == AS_OF.isoformat()


def test_completeness_links_by_mother_only_with_the_same_birth_day(session: Session) -> None:
    day = AS_OF - timedelta(days=60)
    birth = add_birth(session, at(day))
    add_birth_entry(
        session, birth, day + timedelta(days=3), cites="mother", born_on=day - timedelta(days=400)
    )

    result = stats.registration_completeness(
        session, access=HUANGSHI, query=StatsQuery(as_of=AS_OF)
    )

    assert result.total is not None and result.total["registered_in_time"] == 0


def test_completeness_accepts_an_entry_citing_the_replaced_certificate(session: Session) -> None:
    day = AS_OF - timedelta(days=90)
    old = add_birth(session, at(day))
    add_birth_entry(session, old, day + timedelta(days=10))
    add_birth(session, at(day), replaces=old.certificate_no)

    result = stats.registration_completeness(
        session, access=HUANGSHI, query=StatsQuery(as_of=AS_OF)
    )

    assert result.total is not None
    assert (result.total["births"], result.total["completeness"]) == (1, 1.0)


def test_completeness_without_births_due_is_not_a_number(session: Session) -> None:
    result = stats.registration_completeness(
        session, access=HUANGSHI, query=StatsQuery(as_of=AS_OF)
    )
    assert result.items == []
    assert result.total is not None
    assert (result.total["births"], result.total["completeness"]) == (0, None)
