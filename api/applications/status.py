"""The status machine of an application (interface §4) and its `status_history` entries.

    submitted ──issue──────────────▶ issued ──reissue──▶ issued
        │  ├──request-correction──▶ needs_correction ──resubmit (PATCH)──▶ submitted
        │  └──reject──────────────▶ rejected        (also from needs_correction)
        └──withdraw───────────────▶ withdrawn       (also from needs_correction and issued)

Anything else is a 409 that names the current status.
"""

from dataclasses import dataclass

from api.access.principal import Access
from api.errors import Conflict
from api.models.birth_service_application import ApplicationStatus as S
from api.models.types import utcnow

STATUS_NAMES = {
    S.SUBMITTED: "已提交待审核",
    S.NEEDS_CORRECTION: "待补正",
    S.ISSUED: "已发证",
    S.REJECTED: "不予登记",
    S.WITHDRAWN: "已撤回",
}


@dataclass(frozen=True)
class Transition:
    """One way an application can move; `action` names it in history and the audit log."""

    action: str
    verb: str  # Chinese, for the refusal: "不能{verb}"
    sources: frozenset[S]
    target: S


SUBMIT = Transition("create", "提交", frozenset(), S.SUBMITTED)
RESUBMIT = Transition("resubmit", "修改后重新提交", frozenset({S.NEEDS_CORRECTION}), S.SUBMITTED)
ISSUE = Transition("issue", "发证", frozenset({S.SUBMITTED}), S.ISSUED)
REQUEST_CORRECTION = Transition(
    "correction", "退回补正", frozenset({S.SUBMITTED}), S.NEEDS_CORRECTION
)
REJECT = Transition("reject", "不予登记", frozenset({S.SUBMITTED, S.NEEDS_CORRECTION}), S.REJECTED)
WITHDRAW = Transition(
    "withdraw", "撤回", frozenset({S.SUBMITTED, S.NEEDS_CORRECTION, S.ISSUED}), S.WITHDRAWN
)
REISSUE = Transition("reissue", "补发证明", frozenset({S.ISSUED}), S.ISSUED)


def history_entry(
    access: Access, source: str | None, target: S, reasons: list[str]
) -> dict[str, object]:
    """One `status_history` entry: from, to, at, by, department, reasons."""
    principal = access.principal
    return {
        "from": source,
        "to": target.value,
        "at": utcnow().isoformat(),
        "by": principal.subject,
        "department": principal.department.value,
        "reasons": list(reasons),
    }


def check_allowed(transition: Transition, current: str) -> None:
    """Refuse a transition the current status does not allow (409 naming the status)."""
    if S(current) in transition.sources:
        return
    shown = STATUS_NAMES.get(S(current), current)
    raise Conflict(
        f"The application is {current}: {transition.action!r} is not allowed from this status "
        f"(申请当前状态为“{shown}”，不能{transition.verb})。",
        current_status=current,
    )


def moved(
    transition: Transition,
    current: str,
    history: list[dict[str, object]],
    access: Access,
    reasons: list[str],
) -> dict[str, object]:
    """The column changes of a permitted transition: the new status and the longer history."""
    check_allowed(transition, current)
    entry = history_entry(access, current, transition.target, reasons)
    return {"status": transition.target.value, "status_history": [*history, entry]}
