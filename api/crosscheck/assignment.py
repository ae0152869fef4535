"""Who works on a discrepancy: assignment to a staff user of its region, and comments.

An assignee is an active staff user whose role may resolve discrepancies, whose own
jurisdiction contains the discrepancy, and who is inside the jurisdiction of the person
assigning (a county clerk cannot hand work to the province).
"""

from sqlmodel import Session, col, select

from api.access.jurisdiction import covers, in_jurisdiction, jurisdiction_filter
from api.access.policy import ROLE_SCOPES, Role, Scope
from api.access.principal import Access
from api.crosscheck.tracking import announce, audit, changed
from api.crosscheck.worklist import visible
from api.errors import Conflict, FieldError, InvalidInput
from api.models import Discrepancy, DiscrepancyComment, StaffUser
from api.models.discrepancy import DiscrepancyStatus
from api.models.types import utcnow

RESOLVING_ROLES = tuple(r.value for r in Role if Scope.CROSSCHECK_RESOLVE in ROLE_SCOPES[r])


def _eligible(user: StaffUser, row: Discrepancy, access: Access) -> bool:
    try:
        return (
            not user.disabled
            and user.role in RESOLVING_ROLES
            and in_jurisdiction(user.region, row.region)
            and covers(access.principal.region, user.region)
        )
    except ValueError:  # a region the code table no longer knows
        return False


def assignees(session: Session, discrepancy_id: str, *, access: Access) -> list[StaffUser]:
    """The staff users this caller may give the discrepancy to, by username."""
    row = visible(session, discrepancy_id, access)
    candidates = session.exec(
        select(StaffUser)
        .where(
            col(StaffUser.role).in_(RESOLVING_ROLES),
            col(StaffUser.disabled).is_(False),
            jurisdiction_filter(col(StaffUser.region), access.principal.region),
        )
        .order_by(col(StaffUser.username))
    ).all()
    audit(session, access, "assignees", [row])
    return [user for user in candidates if _eligible(user, row, access)]


def assign(
    session: Session, discrepancy_id: str, *, assignee: str | None, access: Access
) -> Discrepancy:
    """Give an unresolved discrepancy to `assignee` (None: to nobody).

    404 outside the caller's jurisdiction, 409 once resolved, 422 naming `assignee` for a
    username that is not an eligible staff user (unknown and ineligible answer alike).
    """
    row = visible(session, discrepancy_id, access, lock=True)
    if row.status == DiscrepancyStatus.RESOLVED:
        raise Conflict(
            "A resolved discrepancy cannot be assigned.",
            errors=[FieldError("status", "already resolved")],
        )
    if assignee is not None:
        user = session.exec(select(StaffUser).where(StaffUser.username == assignee)).first()
        if user is None or not _eligible(user, row, access):
            raise InvalidInput(
                "The assignee must be an active staff user of the discrepancy's region "
                "who may resolve discrepancies.",
                errors=[FieldError("assignee", "not a staff user who may take this item")],
            )
    if row.assignee == assignee:
        audit(session, access, "assign", [row])
        return row
    now = utcnow()
    row.assignee, row.assigned_at = assignee, now if assignee else None
    row.assigned_by = access.principal.subject[:64] if assignee else None
    changed(session, row, access, "assign", now, f"assigned to {assignee or 'nobody'}")
    announce(session, "discrepancy.assigned", row)
    audit(session, access, "assign", [row])
    return row


def add_comment(
    session: Session, discrepancy_id: str, *, body: str, access: Access
) -> DiscrepancyComment:
    """Note a remark on a discrepancy."""
    row = visible(session, discrepancy_id, access)
    comment = DiscrepancyComment(
        discrepancy_id=row.id,
        author=access.principal.subject[:64],
        department=access.principal.department.value,
        body=body,
    )
    session.add(comment)
    session.flush()
    audit(session, access, "comment", [row])
    return comment


def comments(session: Session, discrepancy_id: str, *, access: Access) -> list[DiscrepancyComment]:
    """Every comment on a discrepancy, oldest first."""
    row = visible(session, discrepancy_id, access)
    found = session.exec(
        select(DiscrepancyComment)
        .where(DiscrepancyComment.discrepancy_id == row.id)
        .order_by(col(DiscrepancyComment.created_at), col(DiscrepancyComment.id))
    ).all()
    audit(session, access, "comments", [row])
    return list(found)
