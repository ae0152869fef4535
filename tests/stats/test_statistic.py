"""A statistic's audit event and CSV form."""

import csv
import io
from datetime import date

from sqlmodel import Session

from api.journal.append import pending
from api.stats import births as stats
from api.stats.statistic import StatsQuery, to_csv
from tests.stats.seed import HUANGSHI, add_birth, at

# -- audit and CSV ------------------------------------------------------------------------------


def test_a_statistic_notes_one_audit_event_without_record_ids(session: Session) -> None:
    add_birth(session, at(date(2026, 1, 5)))
    stats.sex_ratio(session, access=HUANGSHI, query=StatsQuery())

    (event,) = pending(session).audit
    assert (event.resource, event.action, event.record_ids) == ("stats", "sex-ratio", [])


def test_csv_has_a_header_the_rows_and_a_total_row(session: Session) -> None:
    for sex in ("male", "female"):
        add_birth(session, at(date(2026, 1, 5)), sex=sex)

    text = to_csv(stats.sex_ratio(session, access=HUANGSHI, query=StatsQuery()))

    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        ["region", "region_name", "births", "males", "females", "unknown", "sex_ratio"],
        ["420202", "黄石港区", "2", "1", "1", "0", "100.0"],
        ["", "合计", "2", "1", "1", "0", "100.0"],
    ]
