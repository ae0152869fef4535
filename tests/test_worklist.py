"""The discrepancy worklist: how a run's findings open, keep, reopen and close items."""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from api.access.policy import Department, Purpose, Scope
from api.access.principal import Access, Principal
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.runs import operator_access
from api.crosscheck.worklist import (
    DiscrepancyFilters,
    Reconciliation,
    discrepancy_history,
    get_discrepancy,
    list_discrepancies,
    reconcile,
    resolve_discrepancy,
)
from api.errors import Conflict, NotFound
from api.journal.append import pending
from api.models import Discrepancy
from api.models.discrepancy import Resolution

AS_OF = date(2026, 3, 1)
SYSTEM = operator_access("crosscheck:test", "000000")
T = DiscrepancyType


def finding(
    type_: DiscrepancyType = T.BIRTH_NOT_REGISTERED,
    *subjects: tuple[Any, str],
    region: str = "420202",
    fields: tuple[str, ...] = (),
    details: dict[str, Any] | None = None,
) -> Finding:
    """A finding as the engine reports it; subjects default to one new birth."""
    from uuid import uuid4

    return Finding(
        type_, region, subjects or (("births", str(uuid4())),), fields, details or {"days": 31}
    )


def clerk(region: str = "420200", subject: str = "clerk-1") -> Access:
    """A health-commission staff member of `region` acting for the cross-check."""
    principal = Principal(
        subject=subject,
        actor_type="user",
        department=Department.HEALTH_COMMISSION,
        region=region,
        scopes=frozenset({Scope.CROSSCHECK_READ, Scope.CROSSCHECK_RESOLVE}),
        purposes=(Purpose.CROSSCHECK,),
        jti="test",
    )
    return Access(principal, Purpose.CROSSCHECK)


def run(
    session: Session,
    findings: list[Finding],
    run_id: str = "run-1",
    region: str = "420200",
    as_of: date = AS_OF,
    **kwargs: Any,
) -> Reconciliation:
    """Reconcile as a run of `region` would."""
    return reconcile(
        session,
        findings,
        run_id=run_id,
        region=region,
        as_of=as_of,
        due_days=30,
        access=SYSTEM,
        **kwargs,
    )


def stored(session: Session, item: Finding) -> Discrepancy:
    """The one discrepancy of a finding."""
    rows = session.exec(
        select(Discrepancy).where(Discrepancy.fingerprint == item.fingerprint)
    ).all()
    assert len(rows) == 1
    return rows[0]


def feed_types(session: Session) -> list[str]:
    return [event.type for event in pending(session).feed]


def test_a_new_finding_opens_a_discrepancy_due_after_the_configured_days(
    session: Session,
) -> None:
    item = finding(
        T.ATTRIBUTE_MISMATCH, ("births", "b1"), ("household-entries", "e1"), fields=("child_sex",)
    )
    outcome = run(session, [item])
    row = stored(session, item)
    assert (row.status, row.type, row.region) == ("open", "ATTRIBUTE_MISMATCH", "420202")
    assert row.due_by == AS_OF + timedelta(days=30)
    assert row.subjects == [
        {"resource": "births", "id": "b1"},
        {"resource": "household-entries", "id": "e1"},
    ]
    assert (row.fields, row.first_run_id, row.last_seen_run_id) == (["child_sex"], "run-1", "run-1")
    assert (outcome.opened, outcome.counts["ATTRIBUTE_MISMATCH"]) == (1, 1)
    assert feed_types(session) == ["discrepancy.opened"]
    assert [e.action for e in pending(session).audit] == ["open"]
    assert pending(session).audit[0].actor == "crosscheck:test"


def test_a_discrepancy_is_reported_once_however_many_runs_see_it(session: Session) -> None:
    item = finding()
    run(session, [item], "run-1")
    # The engine may list the subjects in another order; the fingerprint does not care.
    again = Finding(item.type, item.region, tuple(reversed(item.subjects)), (), item.details)
    outcome = run(session, [again, again], "run-2")
    row = stored(session, item)
    assert (outcome.opened, outcome.unchanged) == (0, 1)
    assert (row.status, row.version, row.last_seen_run_id) == ("open", 1, "run-2")
    assert feed_types(session) == ["discrepancy.opened"]


def test_an_open_discrepancy_takes_the_latest_explanation(session: Session) -> None:
    subjects = (("births", "b1"), ("household-entries", "e1"))
    run(session, [finding(T.ATTRIBUTE_MISMATCH, *subjects, fields=("child_sex",))])
    later = finding(T.ATTRIBUTE_MISMATCH, *subjects, fields=("child_sex", "birth_date"))
    run(session, [later], "run-2")
    row = stored(session, later)
    assert (row.fields, row.version, row.status) == (["child_sex", "birth_date"], 2, "open")


def test_an_unchanged_explanation_is_no_change(session: Session) -> None:
    item = finding(details={"regions": ("420202", "420203"), "birth_date": date(2026, 1, 1)})
    run(session, [item], "run-1")
    run(session, [item], "run-2")
    row = stored(session, item)
    assert (row.version, row.details["birth_date"]) == (1, "2026-01-01")


def test_resolved_as_fixed_but_found_again_is_reopened(session: Session) -> None:
    item = finding()
    run(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="改了", access=clerk())
    outcome = run(session, [item], "run-2", as_of=AS_OF + timedelta(days=1))
    row = stored(session, item)
    assert (outcome.reopened, row.status, row.reopen_count) == (1, "reopened", 1)
    assert (row.resolution, row.resolved_by, row.resolved_at) == (None, None, None)
    assert row.due_by == AS_OF + timedelta(days=31)
    assert feed_types(session)[-1] == "discrepancy.reopened"


@pytest.mark.parametrize(
    "resolution", [Resolution.CONFIRMED_CORRECT, Resolution.MERGED, Resolution.NOT_APPLICABLE]
)
def test_a_discrepancy_settled_otherwise_than_fixed_is_never_reported_again(
    session: Session, resolution: Resolution
) -> None:
    item = finding()
    run(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=resolution, note="核实无误", access=clerk())
    events = len(pending(session).feed)
    outcome = run(session, [item], "run-2")
    row = stored(session, item)
    assert (row.status, row.resolution, row.resolved_by) == ("resolved", resolution, "clerk-1")
    assert (outcome.opened, outcome.reopened, outcome.unchanged) == (0, 0, 1)
    assert len(pending(session).feed) == events


def test_a_discrepancy_whose_cause_disappeared_is_closed_by_the_run(session: Session) -> None:
    gone, kept = finding(), finding()
    run(session, [gone, kept], "run-1")
    outcome = run(session, [kept], "run-2")
    row = stored(session, gone)
    assert (outcome.closed, outcome.unchanged) == (1, 1)
    assert (row.status, row.resolution, row.resolved_by) == (
        "resolved",
        "fixed",
        "crosscheck:run-2",
    )
    assert row.resolved_at is not None
    assert stored(session, kept).status == "open"
    assert feed_types(session)[-1] == "discrepancy.resolved"


def test_the_life_cycle_open_fixed_reopened_closed(session: Session) -> None:
    item = finding()
    run(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="已更正", access=clerk())
    run(session, [item], "run-2")
    run(session, [], "run-3")
    row = stored(session, item)
    assert (row.status, row.resolution, row.resolved_by) == (
        "resolved",
        "fixed",
        "crosscheck:run-3",
    )
    actions = [v.action for v in discrepancy_history(session, row.id, access=clerk())]
    assert actions == ["open", "resolve", "reopen", "close"]


def test_only_discrepancies_inside_the_run_region_are_closed(session: Session) -> None:
    huangshi, wuhan = finding(region="420202"), finding(region="420102")
    run(session, [huangshi, wuhan], "run-1", region="420000")
    outcome = run(session, [], "run-2", region="420200")
    assert outcome.closed == 1
    assert stored(session, huangshi).status == "resolved"
    assert stored(session, wuhan).status == "open"


def test_findings_outside_the_run_region_are_left_out(session: Session) -> None:
    outcome = run(session, [finding(region="420102")], region="420200")
    assert outcome.opened == 0
    assert session.exec(select(Discrepancy)).first() is None


def test_types_the_run_does_not_cover_stay_open(session: Session) -> None:
    birth, person = finding(), finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))
    run(session, [birth, person], "run-1")
    outcome = run(session, [], "run-2", covered_types=frozenset({"BIRTH_NOT_REGISTERED"}))
    assert outcome.closed == 1
    assert stored(session, person).status == "open"


def test_counts_cover_every_type(session: Session) -> None:
    outcome = run(session, [finding(), finding(), finding(T.DUPLICATE_BIRTH_RECORD)])
    assert outcome.counts == {t.value: 0 for t in T} | {
        "BIRTH_NOT_REGISTERED": 2,
        "DUPLICATE_BIRTH_RECORD": 1,
    }


def test_the_access_log_names_the_persons_a_discrepancy_is_about(session: Session) -> None:
    run(session, [finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))])
    assert pending(session).audit[0].person_ids == ["p1", "p2"]


def test_resolving_twice_is_a_conflict(session: Session) -> None:
    item = finding()
    run(session, [item])
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.MERGED, note="合并", access=clerk())
    with pytest.raises(Conflict):
        resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="x", access=clerk())


def test_a_discrepancy_outside_the_jurisdiction_does_not_exist_for_the_caller(
    session: Session,
) -> None:
    item = finding(region="420102")
    run(session, [item], region="420000")
    row = stored(session, item)
    with pytest.raises(NotFound):
        get_discrepancy(session, row.id, access=clerk("420200"))
    with pytest.raises(NotFound):
        resolve_discrepancy(
            session, row.id, resolution=Resolution.FIXED, note="x", access=clerk("420200")
        )
    assert get_discrepancy(session, row.id, access=clerk("420000")).id == row.id


def test_the_list_is_filtered_and_paged_soonest_due_first(session: Session) -> None:
    run(session, [finding() for _ in range(3)], "run-1", as_of=AS_OF)
    run(
        session,
        [finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))],
        "run-2",
        region="420202",
        as_of=AS_OF - timedelta(days=5),
    )
    pages, cursor = [], None
    while True:
        page = list_discrepancies(
            session, access=clerk(), filters=DiscrepancyFilters(), limit=2, cursor=cursor
        )
        pages.append(page.items)
        if not (cursor := page.next_cursor):
            break
    assert [len(p) for p in pages] == [2, 2]
    assert pages[0][0].type == "DUPLICATE_PERSON"
    due = [r.due_by for p in pages for r in p]
    assert due == sorted(due)
    only = DiscrepancyFilters(type="BIRTH_NOT_REGISTERED", due_before=AS_OF + timedelta(days=31))
    page = list_discrepancies(session, access=clerk(), filters=only, limit=10, cursor=None)
    assert len(page.items) == 3
    elsewhere = DiscrepancyFilters(region="420100")
    assert (
        list_discrepancies(session, access=clerk(), filters=elsewhere, limit=10, cursor=None).items
        == []
    )
