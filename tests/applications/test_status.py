"""The status machine of interface §4, table-driven."""

import pytest

from api.applications import status as machine
from api.errors import Conflict
from api.models.birth_service_application import ApplicationStatus as S
from tests.factories import access_for

ALLOWED = {
    machine.ISSUE: {S.SUBMITTED},
    machine.REQUEST_CORRECTION: {S.SUBMITTED},
    machine.REJECT: {S.SUBMITTED, S.NEEDS_CORRECTION},
    machine.WITHDRAW: {S.SUBMITTED, S.NEEDS_CORRECTION, S.ISSUED},
    machine.RESUBMIT: {S.NEEDS_CORRECTION},
    machine.REISSUE: {S.ISSUED},
}


@pytest.mark.parametrize("transition", list(ALLOWED), ids=lambda t: t.action)
@pytest.mark.parametrize("current", list(S), ids=str)
def test_each_transition_from_each_status(transition: machine.Transition, current: S) -> None:
    access = access_for("health_commission", staff=True)
    if current in ALLOWED[transition]:
        changes = machine.moved(transition, current.value, [], access, ["理由"])
        assert changes["status"] == transition.target.value
        [entry] = changes["status_history"]  # type: ignore[misc]
        assert entry["from"] == current.value and entry["to"] == transition.target.value
        assert entry["reasons"] == ["理由"] and entry["department"] == "health_commission"
        assert set(entry) == {"from", "to", "at", "by", "department", "reasons"}
    else:
        with pytest.raises(Conflict) as refused:
            machine.moved(transition, current.value, [], access, [])
        assert refused.value.extra["current_status"] == current.value
        assert current.value in refused.value.detail


def test_rejected_and_withdrawn_are_final() -> None:
    for final in (S.REJECTED, S.WITHDRAWN):
        assert not any(final in sources for sources in ALLOWED.values())
