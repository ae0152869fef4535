"""Reconciling a run's findings with the worklist: open, keep, reopen, close; and never
close an item because a run looked at an earlier day than the run that last found it."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from api.crosscheck.linkage.findings import Finding
from api.crosscheck.worklist import discrepancy_history, resolve_discrepancy
from api.models import Discrepancy
from api.models.discrepancy import Resolution
from tests.crosscheck.support import (
    AS_OF,
    T,
    audit_events,
    clerk,
    feed_types,
    finding,
    reconciled,
    stored,
)


def test_a_new_finding_opens_a_discrepancy_due_after_the_configured_days(
    session: Session,
) -> None:
    item = finding(
        T.ATTRIBUTE_MISMATCH, ("births", "b1"), ("household-entries", "e1"), fields=("child_sex",)
    )
    outcome = reconciled(session, [item])
    row = stored(session, item)
    assert (row.status, row.type, row.region) == ("open", "ATTRIBUTE_MISMATCH", "420202")
    assert (row.due_by, row.last_seen_as_of) == (AS_OF + timedelta(days=30), AS_OF)
    assert row.subjects == [
        {"resource": "births", "id": "b1"},
        {"resource": "household-entries", "id": "e1"},
    ]
    assert (row.fields, row.first_run_id, row.last_seen_run_id) == (["child_sex"], "run-1", "run-1")
    assert (outcome.opened, outcome.counts["ATTRIBUTE_MISMATCH"]) == (1, 1)
    assert feed_types(session) == ["discrepancy.opened"]
    assert [e.action for e in audit_events(session)] == ["open"]
    assert audit_events(session)[0].actor == "crosscheck:test"


def test_a_discrepancy_is_reported_once_however_many_runs_see_it(session: Session) -> None:
    item = finding()
    reconciled(session, [item], "run-1")
    # The engine may list the subjects in another order; the fingerprint does not care.
    again = Finding(item.type, item.region, tuple(reversed(item.subjects)), (), item.details)
    outcome = reconciled(session, [again, again], "run-2")
    row = stored(session, item)
    assert (outcome.opened, outcome.unchanged) == (0, 1)
    assert (row.status, row.version, row.last_seen_run_id) == ("open", 1, "run-2")
    assert feed_types(session) == ["discrepancy.opened"]


def test_an_open_discrepancy_takes_the_latest_explanation(session: Session) -> None:
    subjects = (("births", "b1"), ("household-entries", "e1"))
    reconciled(session, [finding(T.ATTRIBUTE_MISMATCH, *subjects, fields=("child_sex",))])
    later = finding(T.ATTRIBUTE_MISMATCH, *subjects, fields=("child_sex", "birth_date"))
    reconciled(session, [later], "run-2")
    row = stored(session, later)
    assert (row.fields, row.version, row.status) == (["child_sex", "birth_date"], 2, "open")


def test_an_unchanged_explanation_is_no_change(session: Session) -> None:
    item = finding(details={"regions": ("420202", "420203"), "birth_date": date(2026, 1, 1)})
    reconciled(session, [item], "run-1")
    reconciled(session, [item], "run-2")
    row = stored(session, item)
    assert (row.version, row.details["birth_date"]) == (1, "2026-01-01")


def test_resolved_as_fixed_but_found_again_is_reopened(session: Session) -> None:
    item = finding()
    reconciled(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="改了", access=clerk())
    outcome = reconciled(session, [item], "run-2", as_of=AS_OF + timedelta(days=1))
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
    reconciled(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=resolution, note="核实无误", access=clerk())
    events = len(feed_types(session))
    outcome = reconciled(session, [item], "run-2")
    row = stored(session, item)
    assert (row.status, row.resolution, row.resolved_by) == ("resolved", resolution, "clerk-1")
    assert (outcome.opened, outcome.reopened, outcome.unchanged) == (0, 0, 1)
    assert len(feed_types(session)) == events


def test_a_discrepancy_whose_cause_disappeared_is_closed_by_the_run(session: Session) -> None:
    gone, kept = finding(), finding()
    reconciled(session, [gone, kept], "run-1")
    outcome = reconciled(session, [kept], "run-2")
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


def test_a_run_as_of_an_earlier_day_closes_nothing_a_later_run_found(session: Session) -> None:
    later = finding()
    reconciled(session, [later], "run-1", as_of=AS_OF)
    # 1970-01-01, or any earlier day: the engine finds nothing then, and that proves nothing.
    outcome = reconciled(session, [], "run-2", as_of=date(1970, 1, 1))
    assert outcome.closed == 0
    assert stored(session, later).status == "open"
    outcome = reconciled(session, [], "run-3", as_of=AS_OF - timedelta(days=1))
    assert (outcome.closed, stored(session, later).status) == (0, "open")
    # A run looking at the same day or later may close it.
    assert reconciled(session, [], "run-4", as_of=AS_OF).closed == 1


def test_an_earlier_look_does_not_move_the_day_an_item_was_last_seen_back(
    session: Session,
) -> None:
    item = finding()
    reconciled(session, [item], "run-1", as_of=AS_OF)
    reconciled(session, [item], "run-2", as_of=AS_OF - timedelta(days=3))
    assert stored(session, item).last_seen_as_of == AS_OF


def test_the_life_cycle_open_fixed_reopened_closed(session: Session) -> None:
    item = finding()
    reconciled(session, [item], "run-1")
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="已更正", access=clerk())
    reconciled(session, [item], "run-2")
    reconciled(session, [], "run-3")
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
    reconciled(session, [huangshi, wuhan], "run-1", region="420000")
    outcome = reconciled(session, [], "run-2", region="420200")
    assert outcome.closed == 1
    assert stored(session, huangshi).status == "resolved"
    assert stored(session, wuhan).status == "open"


def test_findings_outside_the_run_region_are_left_out(session: Session) -> None:
    outcome = reconciled(session, [finding(region="420102")], region="420200")
    assert outcome.opened == 0
    assert session.exec(select(Discrepancy)).first() is None


def test_types_the_run_does_not_cover_stay_open(session: Session) -> None:
    birth, person = finding(), finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))
    reconciled(session, [birth, person], "run-1")
    outcome = reconciled(session, [], "run-2", covered_types=frozenset({"BIRTH_NOT_REGISTERED"}))
    assert outcome.closed == 1
    assert stored(session, person).status == "open"


def test_counts_cover_every_type(session: Session) -> None:
    outcome = reconciled(session, [finding(), finding(), finding(T.DUPLICATE_BIRTH_RECORD)])
    assert outcome.counts == {t.value: 0 for t in T} | {
        "BIRTH_NOT_REGISTERED": 2,
        "DUPLICATE_BIRTH_RECORD": 1,
    }


def test_the_access_log_names_the_persons_a_discrepancy_is_about(session: Session) -> None:
    reconciled(session, [finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))])
    assert audit_events(session)[0].person_ids == ["p1", "p2"]
