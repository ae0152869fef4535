"""The monthly closure report (销号): replayed from each discrepancy's versions, per county."""

import secrets
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import Session

from api.crosscheck.report import closure_report, parse_month
from api.crosscheck.worklist import resolve_discrepancy
from api.errors import Forbidden, InvalidInput
from api.models import Discrepancy, RecordVersion
from api.models.base import SHANGHAI
from api.models.discrepancy import Resolution
from api.validation import today_in_china
from tests.crosscheck.support import clerk, finding, reconciled, stored

OCTOBER = date(2026, 10, 1)


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SHANGHAI)


def history(
    session: Session, region: str, events: list[tuple[str, date]], due: date | None = None
) -> Discrepancy:
    """A discrepancy whose versions are `events` (action, day); due 30 days after opening."""
    opened = events[0][1]
    status = "open" if events[-1][0] in ("open", "reopen") else "resolved"
    row = Discrepancy(
        fingerprint=secrets.token_hex(16),
        type="BIRTH_NOT_REGISTERED",
        region=region,
        status=status,
        due_by=due or opened + timedelta(days=30),
        subjects=[{"resource": "births", "id": secrets.token_hex(8)}],
        first_run_id="run",
        last_seen_run_id="run",
    )
    session.add(row)
    for version, (action, day) in enumerate(events, start=1):
        if action in ("open", "reopen"):
            due_by = (due or day + timedelta(days=30)).isoformat()
        session.add(
            RecordVersion(
                resource="discrepancies",
                record_id=row.id,
                version=version,
                action=action,
                data={"due_by": due_by},
                changed_at=at(day),
                changed_by="crosscheck:run" if action in ("open", "reopen", "close") else "clerk",
                department="health_commission",
            )
        )
    session.flush()
    return row


def test_a_past_month_is_reported_as_it_was(session: Session) -> None:
    d = date
    history(session, "420202", [("open", d(2026, 9, 10))])  # carried over, overdue at the end
    history(session, "420202", [("open", d(2026, 9, 20)), ("resolve", d(2026, 10, 5))])
    history(session, "420202", [("open", d(2026, 10, 3)), ("close", d(2026, 10, 13))])
    history(session, "420202", [("open", d(2026, 10, 20))])  # due in November
    history(
        session,
        "420202",
        [
            ("open", d(2026, 8, 1)),
            ("resolve", d(2026, 8, 15)),
            ("reopen", d(2026, 10, 2)),
            ("assign", d(2026, 10, 3)),
            ("resolve", d(2026, 10, 22)),
        ],
    )
    history(session, "420203001", [("open", d(2026, 10, 1))], due=d(2026, 11, 5))
    history(session, "420102", [("open", d(2026, 10, 1))])  # outside Huangshi
    history(session, "420202", [("open", d(2026, 11, 2))])  # next month
    report = closure_report(session, access=clerk("420200"), month=OCTOBER)
    assert (report.month, report.region, report.region_name) == ("2026-10", "420200", "黄石市")
    rows = {row.region: row for row in report.rows}
    assert set(rows) == {"420202", "420203"}
    county = rows["420202"]
    assert (county.region_name, county.carried_over, county.opened, county.reopened) == (
        "黄石港区",
        2,
        2,
        1,
    )
    assert (county.closed, county.closed_by_staff, county.closed_by_run) == (3, 2, 1)
    assert (county.outstanding, county.overdue, county.median_days_to_close) == (2, 1, 15.0)
    other = rows["420203"]
    assert (other.opened, other.outstanding, other.overdue, other.closed) == (1, 1, 0, 0)
    assert other.median_days_to_close is None
    total = report.total
    assert (total.region, total.opened, total.closed, total.outstanding) == ("420200", 3, 3, 3)


def test_the_current_month_counts_up_to_now(session: Session) -> None:
    gone, kept = finding(), finding()
    reconciled(session, [gone, kept], as_of=today_in_china())
    row = stored(session, gone)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="已改", access=clerk())
    report = closure_report(session, access=clerk(), month=today_in_china().replace(day=1))
    assert (report.total.opened, report.total.closed_by_staff, report.total.outstanding) == (
        2,
        1,
        1,
    )
    assert report.total.median_days_to_close is not None
    assert report.total.median_days_to_close < 0.1


def test_a_district_can_be_reported_on_its_own(session: Session) -> None:
    history(session, "420202", [("open", date(2026, 10, 3))])
    history(session, "420203", [("open", date(2026, 10, 3))])
    report = closure_report(session, access=clerk(), month=OCTOBER, region="420203")
    assert [row.region for row in report.rows] == ["420203"]
    assert (report.region, report.region_name) == ("420203", "西塞山区")
    with pytest.raises(Forbidden) as refused:
        closure_report(session, access=clerk(), month=OCTOBER, region="420100")
    assert refused.value.errors[0]["field"] == "region"


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "26-10", "2026-10-01", "0", "１９９９-01"])
def test_a_month_is_written_yyyy_mm(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_month(value)
    assert refused.value.errors[0]["field"] == "month"


def test_a_month_that_has_not_begun_is_refused() -> None:
    coming = (today_in_china().replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    with pytest.raises(InvalidInput):
        parse_month(coming)
    assert parse_month("2026-10") == OCTOBER
