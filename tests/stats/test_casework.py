"""Casework statistics: discrepancy closure and the online share of applications."""

from datetime import timedelta

from sqlmodel import Session

from api.stats import casework as stats
from api.stats.statistic import StatsQuery
from tests.stats.seed import AS_OF, HUANGSHI, add_application, add_discrepancy

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
