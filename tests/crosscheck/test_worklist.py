"""Reading and resolving the worklist: jurisdiction, filters, pages, one and many at once."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from api.crosscheck.worklist import (
    DiscrepancyFilters,
    bulk_resolve,
    get_discrepancy,
    list_discrepancies,
    resolve_discrepancy,
)
from api.errors import Conflict, NotFound
from api.journal.append import pending
from api.models import RecordVersion
from api.models.discrepancy import Resolution
from api.validation import today_in_china
from tests.crosscheck.support import AS_OF, T, clerk, finding, reconciled, stored


def listed(session: Session, **filters: object) -> list[str]:
    page = list_discrepancies(
        session,
        access=clerk(),
        filters=DiscrepancyFilters(**filters),  # type: ignore[arg-type]
        limit=100,
        cursor=None,
    )
    return [row.id for row in page.items]


def test_resolving_twice_is_a_conflict(session: Session) -> None:
    item = finding()
    reconciled(session, [item])
    row = stored(session, item)
    resolve_discrepancy(session, row.id, resolution=Resolution.MERGED, note="合并", access=clerk())
    with pytest.raises(Conflict):
        resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="x", access=clerk())


def test_a_long_note_is_kept_whole_on_the_item_and_cut_in_its_history(session: Session) -> None:
    item = finding()
    reconciled(session, [item])
    note = "核" * 2000
    row = resolve_discrepancy(
        session, stored(session, item).id, resolution=Resolution.FIXED, note=note, access=clerk()
    )
    session.flush()
    assert row.note == note
    versions = session.exec(select(RecordVersion).where(RecordVersion.record_id == row.id)).all()
    assert [len(v.reason or "") for v in versions if v.action == "resolve"] == [500]


def test_a_discrepancy_outside_the_jurisdiction_does_not_exist_for_the_caller(
    session: Session,
) -> None:
    item = finding(region="420102")
    reconciled(session, [item], region="420000")
    row = stored(session, item)
    with pytest.raises(NotFound):
        get_discrepancy(session, row.id, access=clerk("420200"))
    with pytest.raises(NotFound):
        resolve_discrepancy(
            session, row.id, resolution=Resolution.FIXED, note="x", access=clerk("420200")
        )
    assert get_discrepancy(session, row.id, access=clerk("420000")).id == row.id


def test_the_list_is_filtered_and_paged_soonest_due_first(session: Session) -> None:
    reconciled(session, [finding() for _ in range(3)], "run-1", as_of=AS_OF)
    reconciled(
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
    assert len(listed(session, type="BIRTH_NOT_REGISTERED", due_before=AS_OF + timedelta(31))) == 3
    assert listed(session, region="420100") == []
    assert [e.action for e in pending(session).audit].count("list") >= 3


def test_the_list_narrows_to_a_district_or_a_township(session: Session) -> None:
    town, district, other = (
        finding(region="420202001"),
        finding(region="420202"),
        finding(region="420203"),
    )
    reconciled(session, [town, district, other])
    assert set(listed(session, region="420202")) == {
        stored(session, town).id,
        stored(session, district).id,
    }
    assert listed(session, region="420202001") == [stored(session, town).id]
    # A township outside the caller's jurisdiction lists nothing.
    assert listed(session, region="420102001") == []


def test_the_list_narrows_to_overdue_items(session: Session) -> None:
    late, current = finding(), finding()
    long_ago = today_in_china() - timedelta(days=45)
    reconciled(session, [late], "run-1", as_of=long_ago)
    reconciled(session, [late, current], "run-2", as_of=today_in_china())
    assert listed(session, overdue=True) == [stored(session, late).id]
    assert listed(session, overdue=False) == [stored(session, current).id]
    row = stored(session, late)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="已改", access=clerk())
    assert listed(session, overdue=True) == []


def test_the_list_narrows_to_an_assignee_or_to_nobody(session: Session) -> None:
    mine, nobodys = finding(), finding()
    reconciled(session, [mine, nobodys])
    row = stored(session, mine)
    row.assignee = "clerk-2"
    session.add(row)
    session.flush()
    assert listed(session, assignee="clerk-2") == [row.id]
    assert listed(session, unassigned=True) == [stored(session, nobodys).id]


def test_the_list_narrows_to_what_was_closed_in_a_month(session: Session) -> None:
    closed, still_open = finding(), finding()
    reconciled(session, [closed, still_open])
    row = stored(session, closed)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="已改", access=clerk())
    this_month = today_in_china().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    assert listed(session, resolved_month=this_month) == [row.id]
    assert listed(session, resolved_month=last_month) == []


def test_bulk_resolution_settles_each_unresolved_item_and_names_the_rest(
    session: Session,
) -> None:
    first, second, done, far = finding(), finding(), finding(), finding(region="420102")
    reconciled(session, [first, second, done, far], region="420000")
    settled = stored(session, done)
    resolve_discrepancy(
        session, settled.id, resolution=Resolution.MERGED, note="合并", access=clerk()
    )
    ids = [stored(session, f).id for f in (first, second, done, far)] + ["no-such-id"]
    outcome = bulk_resolve(
        session, ids, resolution=Resolution.CONFIRMED_CORRECT, note="经核实无误", access=clerk()
    )
    assert [o for _, o in outcome.outcomes] == [
        "resolved",
        "resolved",
        "already_resolved",
        "not_found",  # outside the jurisdiction: like one that does not exist
        "not_found",
    ]
    for item in (first, second):
        row = stored(session, item)
        assert (row.status, row.resolution, row.note) == (
            "resolved",
            "confirmed_correct",
            "经核实无误",
        )
    assert stored(session, far).status == "open"
    assert pending(session).audit[-1].action == "resolve"
    assert len(pending(session).audit[-1].record_ids) == 2
