"""Statistics: each figure on known data, cut to the caller's jurisdiction."""

import csv
import io
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from api.errors import InvalidInput
from api.journal.append import pending
from api.models import Birth, BirthServiceApplication, Discrepancy, HouseholdEntry
from api.stats import queries as stats
from api.stats.queries import StatsQuery
from api.validation import today_in_china
from tests.factories import SHANGHAI, access_for, certificate_no, id_number

HUANGSHI = access_for("health_commission", "420200")
AS_OF = date(2026, 3, 31)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on `day` in Asia/Shanghai."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def add_birth(
    session: Session,
    born: datetime,
    *,
    region: str = "420202",
    sex: str = "female",
    status: str = "registered",
    voided: bool = False,
    replaces: str | None = None,
    mother: str | None = None,
) -> Birth:
    birth = Birth(
        source="maternal_health",
        certificate_no=certificate_no(),
        child_sex=sex,
        birth_datetime=born,
        birth_region=region,
        mother_id_number=mother or id_number(),
        mother_name="王芳",
        status=status,
        voided_at=born if voided else None,
        replaces_certificate_no=replaces,
    )
    session.add(birth)
    session.flush()
    return birth


def add_birth_entry(
    session: Session,
    birth: Birth,
    registered_on: date,
    *,
    cites: str | None = "certificate",
    born_on: date | None = None,
) -> HouseholdEntry:
    """A household `birth` entry for `birth`, citing its certificate or only its mother."""
    day = born_on or birth.birth_datetime.astimezone(SHANGHAI).date()
    entry = HouseholdEntry(
        source="public_security",
        entry_type="birth",
        person_id_number=id_number(birth_date=day, sex=birth.child_sex),
        person_name="王小宝",
        person_sex=birth.child_sex,
        person_birth_date=day,
        household_no="420202000001",
        household_region=birth.birth_region,
        registered_on=registered_on,
        birth_certificate_no=birth.certificate_no if cites == "certificate" else None,
        mother_id_number=birth.mother_id_number if cites == "mother" else None,
    )
    session.add(entry)
    session.flush()
    return entry


def add_discrepancy(
    session: Session, kind: str, *, status: str = "open", due_by: date, region: str = "420202"
) -> None:
    session.add(
        Discrepancy(
            fingerprint=secrets.token_hex(16),
            type=kind,
            region=region,
            status=status,
            detected_at=at(due_by - timedelta(days=30)),
            due_by=due_by,
            subjects=[{"resource": "births", "id": "x"}],
            first_run_id="run",
            last_seen_run_id="run",
        )
    )
    session.flush()


def add_application(session: Session, channel: str, region: str = "420202") -> None:
    session.add(
        BirthServiceApplication(
            source="health_commission",
            applicant_id_number=id_number(),
            applicant_name="王芳",
            applicant_phone="13800000000",
            child_order=1,
            household_region=region,
            residence_region=region,
            channel=channel,
        )
    )
    session.flush()


def by_region(statistic: stats.Statistic) -> dict[str, dict[str, Any]]:
    return {item["region"]: item for item in statistic.items}


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


# -- discrepancy closure ----------------------------------------------------------------------


def test_closure_counts_opened_resolved_and_overdue_by_type(session: Session) -> None:
    add_discrepancy(session, "BIRTH_NOT_REGISTERED", status="resolved", due_by=AS_OF)
    add_discrepancy(session, "BIRTH_NOT_REGISTERED", due_by=AS_OF - timedelta(days=1))
    add_discrepancy(session, "BIRTH_NOT_REGISTERED", status="reopened", due_by=AS_OF)
    add_discrepancy(session, "DUPLICATE_PERSON", due_by=AS_OF - timedelta(days=5))
    add_discrepancy(session, "DUPLICATE_PERSON", due_by=AS_OF, region="420102")  # Wuhan

    result = stats.discrepancy_closure(session, access=HUANGSHI, query=StatsQuery(as_of=AS_OF))

    rows = {i["type"]: i for i in result.items}
    assert rows["BIRTH_NOT_REGISTERED"] == {
        "type": "BIRTH_NOT_REGISTERED",
        "opened": 3,
        "resolved": 1,
        "closure_rate": 0.3333,
        "overdue": 1,
    }
    assert rows["DUPLICATE_PERSON"] | {"type": None} == {
        "type": None,
        "opened": 1,
        "resolved": 0,
        "closure_rate": 0.0,
        "overdue": 1,
    }
    assert rows["MARITAL_STATUS_MISMATCH"]["closure_rate"] is None  # every type is listed
    assert len(rows) == 6
    assert result.total is not None
    assert (result.total["opened"], result.total["overdue"]) == (4, 2)


# -- online share -------------------------------------------------------------------------------


def test_online_share_is_zero_and_undefined_while_there_are_no_applications(
    session: Session,
) -> None:
    result = stats.online_share(session, access=HUANGSHI, query=StatsQuery())
    assert result.items == []
    assert result.total is not None
    assert (result.total["applications"], result.total["online"]) == (0, 0)
    assert result.total["online_share"] is None


def test_online_share_is_the_online_part_of_the_applications(session: Session) -> None:
    for channel in ("online", "online", "online", "counter"):
        add_application(session, channel)
    add_application(session, "counter", region="420102")

    result = stats.online_share(session, access=HUANGSHI, query=StatsQuery())

    assert result.total is not None
    assert (result.total["applications"], result.total["online_share"]) == (4, 0.75)


# -- audit and CSV ------------------------------------------------------------------------------


def test_a_statistic_notes_one_audit_event_without_record_ids(session: Session) -> None:
    add_birth(session, at(date(2026, 1, 5)))
    stats.sex_ratio(session, access=HUANGSHI, query=StatsQuery())

    (event,) = pending(session).audit
    assert (event.resource, event.action, event.record_ids) == ("stats", "sex-ratio", [])


def test_csv_has_a_header_the_rows_and_a_total_row(session: Session) -> None:
    for sex in ("male", "female"):
        add_birth(session, at(date(2026, 1, 5)), sex=sex)

    text = stats.to_csv(stats.sex_ratio(session, access=HUANGSHI, query=StatsQuery()))

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        ["region", "region_name", "births", "males", "females", "unknown", "sex_ratio"],
        ["420202", "黄石港区", "2", "1", "1", "0", "100.0"],
        ["", "合计", "2", "1", "1", "0", "100.0"],
    ]
