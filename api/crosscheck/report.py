"""The monthly closure report (销号情况月报): per region, what a month did to the worklist.

Figures come from the discrepancies' versions (each open, reopen, resolve and close is
one), so that any past month can be reported as it was:
- carried_over: open when the month began (结转); opened / reopened in the month;
- closed_by_staff / closed_by_run: resolved by a person, or closed by a run that no
  longer found the cause (销号); median_days_to_close over the month's closures, from the
  moment the item was (re)opened;
- outstanding: still open when the month ended (or now, for the current month), and
  overdue: those of them past their due date then.
"""

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from api.access.jurisdiction import covers
from api.access.principal import Access
from api.crosscheck.subjects import area_name
from api.crosscheck.tracking import RESOURCE
from api.crosscheck.worklist import area_filter, month_bounds
from api.errors import FieldError, Forbidden, InvalidInput
from api.journal.audit import record_access
from api.models import Discrepancy, RecordVersion
from api.models.base import SHANGHAI, Instant
from api.models.types import utcnow
from api.validation import today_in_china

_MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")
OPENING, CLOSING = ("open", "reopen"), ("resolve", "close")


class ReportRow(BaseModel):
    """One region's figures for the month."""

    region: str
    region_name: str | None
    carried_over: int
    opened: int
    reopened: int
    closed: int
    closed_by_staff: int
    closed_by_run: int
    outstanding: int
    overdue: int
    median_days_to_close: float | None


class ClosureReport(BaseModel):
    """The month's closure report of a jurisdiction, by county, with a total."""

    month: str
    region: str
    region_name: str | None
    generated_at: Instant
    rows: list[ReportRow]
    total: ReportRow


@dataclass
class _Figures:
    carried_over: int = 0
    opened: int = 0
    reopened: int = 0
    closed_by_staff: int = 0
    closed_by_run: int = 0
    outstanding: int = 0
    overdue: int = 0
    days: list[float] = field(default_factory=list)

    def add(self, other: "_Figures") -> None:
        for name in ("carried_over", "opened", "reopened", "closed_by_staff", "closed_by_run"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outstanding += other.outstanding
        self.overdue += other.overdue
        self.days.extend(other.days)

    def row(self, region: str) -> ReportRow:
        median = round(statistics.median(self.days), 1) if self.days else None
        return ReportRow(
            region=region,
            region_name=area_name(region) if region != "000000" else "全国",
            carried_over=self.carried_over,
            opened=self.opened,
            reopened=self.reopened,
            closed=self.closed_by_staff + self.closed_by_run,
            closed_by_staff=self.closed_by_staff,
            closed_by_run=self.closed_by_run,
            outstanding=self.outstanding,
            overdue=self.overdue,
            median_days_to_close=median,
        )


def parse_month(value: str, field: str = "month") -> date:
    """`YYYY-MM` → the month's first day; 422 naming `field` for anything else or later."""
    matched = _MONTH.fullmatch(value)
    if matched is None:
        raise InvalidInput(
            f"{field} must be written YYYY-MM.", errors=[FieldError(field, "must be YYYY-MM")]
        )
    first = date(int(matched[1]), int(matched[2]), 1)
    if first > today_in_china():
        raise InvalidInput(
            f"{field} has not begun yet.", errors=[FieldError(field, "must not be in the future")]
        )
    return first


@dataclass
class _Walk:
    """One discrepancy's state as its versions are replayed."""

    open: bool = False
    since: datetime | None = None
    due: date | None = None
    carried: bool | None = None


def _replay(events: list[tuple[str, datetime, Any]], start: datetime, figures: _Figures) -> _Walk:
    """Count one discrepancy's month into `figures`; return its state at the cutoff."""
    walk = _Walk()
    for action, at, due in events:
        if at >= start:
            if walk.carried is None:
                walk.carried = walk.open
            if action == "open":
                figures.opened += 1
            elif action == "reopen":
                figures.reopened += 1
            elif walk.open:
                if action == "close":
                    figures.closed_by_run += 1
                else:
                    figures.closed_by_staff += 1
                if walk.since is not None:
                    figures.days.append((at - walk.since).total_seconds() / 86400)
        if action in OPENING:
            walk.open, walk.since = True, at
            walk.due = date.fromisoformat(str(due)) if due else walk.due
        else:
            walk.open = False
    if walk.carried is None:
        walk.carried = walk.open
    figures.carried_over += int(walk.carried)
    return walk


def _events(
    session: Session, access: Access, area: str | None, cutoff: datetime
) -> dict[str, tuple[str, list[tuple[str, datetime, Any]]]]:
    due = col(RecordVersion.data)["due_by"].as_string()
    query = (
        select(
            col(RecordVersion.record_id),
            col(Discrepancy.region),
            col(RecordVersion.action),
            col(RecordVersion.changed_at),
            due,
        )
        .join(Discrepancy, col(Discrepancy.id) == col(RecordVersion.record_id))
        .where(
            col(RecordVersion.resource) == RESOURCE,
            col(RecordVersion.action).in_(OPENING + CLOSING),
            col(RecordVersion.changed_at) < cutoff,
            area_filter(access, area),
        )
        .order_by(col(RecordVersion.record_id), col(RecordVersion.version))
    )
    found: dict[str, tuple[str, list[tuple[str, datetime, Any]]]] = {}
    for record_id, region, action, at, due_by in session.execute(query):
        found.setdefault(record_id, (region, []))[1].append((action, at, due_by))
    return found


def closure_report(
    session: Session, *, access: Access, month: date, region: str | None = None
) -> ClosureReport:
    """The closure report of `month` for the caller's jurisdiction (or `region` in it)."""
    if region and not covers(access.principal.region, region[:6]):
        raise Forbidden(
            f"Region {region} is outside the caller's jurisdiction.",
            errors=[FieldError("region", "outside your jurisdiction")],
        )
    start, end = month_bounds(month)
    now = utcnow()
    cutoff = min(end, now)
    # Past its due date when the month ended (for the current month: today).
    day = cutoff.astimezone(SHANGHAI).date()
    by_region: dict[str, _Figures] = defaultdict(_Figures)
    for area, events in _events(session, access, region, cutoff).values():
        figures = by_region[area[:6]]
        walk = _replay(events, start, figures)
        if walk.open:
            figures.outstanding += 1
            figures.overdue += int(walk.due is not None and walk.due < day)
    total = _Figures()
    rows = []
    for code in sorted(by_region):
        total.add(by_region[code])
        rows.append(by_region[code].row(code))
    scope = region or access.principal.region
    record_access(session, access, action="report", resource=RESOURCE, record_ids=[])
    return ClosureReport(
        month=f"{month:%Y-%m}",
        region=scope,
        region_name=area_name(scope) if scope != "000000" else "全国",
        generated_at=now,
        rows=rows,
        total=total.row(scope),
    )
