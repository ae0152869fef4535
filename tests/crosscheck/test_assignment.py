"""Giving a discrepancy to a staff user of its region, and commenting on it."""

import pytest
from sqlmodel import Session

from api.access.accounts import create_staff_user
from api.access.policy import Role
from api.crosscheck.assignment import add_comment, assign, assignees, comments
from api.crosscheck.worklist import discrepancy_history, resolve_discrepancy
from api.errors import Conflict, InvalidInput, NotFound
from api.journal.append import pending
from api.models import StaffUser
from api.models.discrepancy import Resolution
from tests.conftest import STAFF_PASSWORD
from tests.crosscheck.support import clerk, feed_types, finding, reconciled, stored


def user(session: Session, name: str, role: Role, region: str) -> StaffUser:
    return create_staff_user(
        session, username=name, password=STAFF_PASSWORD, role=role, region=region
    )


@pytest.fixture
def staff(session: Session) -> None:
    user(session, "county-clerk", Role.CLERK, "420202")
    user(session, "city-supervisor", Role.SUPERVISOR, "420200")
    user(session, "other-county", Role.CLERK, "420203")
    user(session, "province-clerk", Role.CLERK, "420000")
    user(session, "auditor", Role.AUDITOR, "420200")
    gone = user(session, "disabled-clerk", Role.CLERK, "420202")
    gone.disabled = True
    session.add(gone)
    session.flush()


def test_a_discrepancy_goes_to_a_staff_user_of_its_region(session: Session, staff: None) -> None:
    item = finding(region="420202")
    reconciled(session, [item])
    row = assign(session, stored(session, item).id, assignee="county-clerk", access=clerk())
    assert (row.assignee, row.assigned_by, row.version) == ("county-clerk", "clerk-1", 2)
    assert row.assigned_at is not None
    assert feed_types(session)[-1] == "discrepancy.assigned"
    assert pending(session).audit[-1].action == "assign"
    history = discrepancy_history(session, row.id, access=clerk())
    assert [v.action for v in history] == ["open", "assign"]
    # Taken back.
    assert assign(session, row.id, assignee=None, access=clerk()).assignee is None


@pytest.mark.parametrize(
    "username",
    [
        "other-county",  # their jurisdiction does not hold the discrepancy
        "province-clerk",  # outside the jurisdiction of the clerk assigning
        "auditor",  # may not resolve discrepancies
        "disabled-clerk",
        "nobody",
    ],
)
def test_only_an_eligible_staff_user_may_be_assigned(
    session: Session, staff: None, username: str
) -> None:
    item = finding(region="420202")
    reconciled(session, [item])
    with pytest.raises(InvalidInput) as refused:
        assign(session, stored(session, item).id, assignee=username, access=clerk())
    assert refused.value.errors[0]["field"] == "assignee"


def test_the_assignable_users_are_listed(session: Session, staff: None) -> None:
    item = finding(region="420202")
    reconciled(session, [item])
    found = assignees(session, stored(session, item).id, access=clerk())
    assert [u.username for u in found] == ["city-supervisor", "county-clerk"]


def test_a_resolved_or_foreign_discrepancy_cannot_be_assigned(
    session: Session, staff: None
) -> None:
    done, far = finding(region="420202"), finding(region="420102")
    reconciled(session, [done, far], region="420000")
    row = stored(session, done)
    resolve_discrepancy(session, row.id, resolution=Resolution.FIXED, note="改了", access=clerk())
    with pytest.raises(Conflict):
        assign(session, row.id, assignee="county-clerk", access=clerk())
    with pytest.raises(NotFound):
        assign(session, stored(session, far).id, assignee="county-clerk", access=clerk())


def test_comments_are_kept_in_order_with_their_authors(session: Session) -> None:
    item = finding()
    reconciled(session, [item])
    row_id = stored(session, item).id
    add_comment(session, row_id, body="已电话联系户籍民警。", access=clerk())
    add_comment(session, row_id, body="民警答复本周更正。", access=clerk(subject="clerk-2"))
    found = comments(session, row_id, access=clerk())
    assert [(c.author, c.body) for c in found] == [
        ("clerk-1", "已电话联系户籍民警。"),
        ("clerk-2", "民警答复本周更正。"),
    ]
    with pytest.raises(NotFound):
        comments(session, row_id, access=clerk("420100"))
