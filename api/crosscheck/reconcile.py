"""Bringing the worklist in line with a run's findings (one transaction per run).

A discrepancy is keyed by its finding's fingerprint, so however many runs see it, it is
reported once. A new finding opens it; a run that still finds one resolved as `fixed`
reopens it, while `confirmed_correct`, `merged` and `not_applicable` are final; a run that
no longer finds an open one closes it as fixed, unless an earlier run found it looking at
a later day than this one (a back-dated run cannot see what that run saw).
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, or_, select

from api.access.jurisdiction import in_jurisdiction, jurisdiction_filter
from api.access.principal import Access
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.tracking import announce, audit, changed, chunks, keep_version
from api.models import Discrepancy
from api.models.discrepancy import UNRESOLVED_STATUSES, DiscrepancyStatus, Resolution
from api.models.types import utcnow

ALL_TYPES: frozenset[str] = frozenset(t.value for t in DiscrepancyType)
# Serialises reconciliations on PostgreSQL, where runs of overlapping regions (420000 and
# 420200) could otherwise insert the same fingerprint at once; SQLite writers are serial.
_RECONCILE_LOCK_KEY = 0x76697461


@dataclass
class Reconciliation:
    """What one run did to the worklist."""

    counts: dict[str, int] = field(default_factory=lambda: {t: 0 for t in sorted(ALL_TYPES)})
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    unchanged: int = 0
    touched: dict[str, list[Discrepancy]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class RunContext:
    """The run whose findings are reconciled."""

    run_id: str
    region: str
    as_of: date
    due_by: date
    now: datetime
    access: Access


def _lock_worklist(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECONCILE_LOCK_KEY})


def _existing(session: Session, fingerprints: Sequence[str]) -> dict[str, Discrepancy]:
    found: dict[str, Discrepancy] = {}
    for part in chunks(fingerprints):
        query = select(Discrepancy).where(col(Discrepancy.fingerprint).in_(part))
        for row in session.exec(query.with_for_update()):
            found[row.fingerprint] = row
    return found


def _details(finding: Finding) -> dict[str, Any]:
    # As the JSON column will give it back, so that an unchanged explanation compares equal.
    details: dict[str, Any] = json.loads(json.dumps(finding.details, default=str))
    return details


def _subjects(finding: Finding) -> list[dict[str, str]]:
    return [{"resource": resource, "id": record_id} for resource, record_id in finding.subjects]


def _refresh(row: Discrepancy, finding: Finding) -> bool:
    """Take the finding's current explanation; True if anything a caller sees changed."""
    current = (list(finding.fields), _details(finding), finding.region, _subjects(finding))
    if (row.fields, row.details, row.region, row.subjects) == current:
        return False
    row.fields, row.details, row.region, row.subjects = current
    return True


def _open(session: Session, finding: Finding, run: RunContext, outcome: Reconciliation) -> None:
    row = Discrepancy(
        fingerprint=finding.fingerprint,
        type=finding.type.value,
        region=finding.region,
        status=DiscrepancyStatus.OPEN.value,
        detected_at=run.now,
        due_by=run.due_by,
        subjects=_subjects(finding),
        fields=list(finding.fields),
        details=_details(finding),
        first_run_id=run.run_id,
        last_seen_run_id=run.run_id,
        last_seen_at=run.now,
        last_seen_as_of=run.as_of,
        created_at=run.now,
        updated_at=run.now,
    )
    session.add(row)
    keep_version(session, row, run.access, "open")
    announce(session, "discrepancy.opened", row)
    outcome.touched["open"].append(row)
    outcome.opened += 1


def _seen(
    session: Session, row: Discrepancy, finding: Finding, run: RunContext, outcome: Reconciliation
) -> None:
    row.last_seen_run_id, row.last_seen_at = run.run_id, run.now
    row.last_seen_as_of = max(run.as_of, row.last_seen_as_of or run.as_of)
    if row.status == DiscrepancyStatus.RESOLVED and row.resolution == Resolution.FIXED:
        _refresh(row, finding)
        row.status, row.due_by, row.reopened_at = (
            DiscrepancyStatus.REOPENED.value,
            run.due_by,
            run.now,
        )
        row.reopen_count += 1
        row.resolution = row.note = row.resolved_by = row.resolved_at = None
        changed(session, row, run.access, "reopen", run.now, "found again by run " + run.run_id)
        announce(session, "discrepancy.reopened", row)
        outcome.touched["reopen"].append(row)
        outcome.reopened += 1
        return
    if row.status != DiscrepancyStatus.RESOLVED and _refresh(row, finding):
        changed(session, row, run.access, "update", run.now)
        outcome.touched["update"].append(row)
    else:
        session.add(row)
    outcome.unchanged += 1


def _close_the_vanished(
    session: Session,
    found: dict[str, Finding],
    run: RunContext,
    covered_types: frozenset[str],
    outcome: Reconciliation,
) -> None:
    stale = select(Discrepancy).where(
        col(Discrepancy.status).in_(UNRESOLVED_STATUSES),
        col(Discrepancy.type).in_(sorted(covered_types)),
        jurisdiction_filter(col(Discrepancy.region), run.region),
        # Seen by a run that looked at a later day: this run cannot tell it is gone.
        or_(
            col(Discrepancy.last_seen_as_of).is_(None),
            col(Discrepancy.last_seen_as_of) <= run.as_of,
        ),
    )
    for row in session.exec(stale.order_by(col(Discrepancy.id)).with_for_update()).all():
        if row.fingerprint in found:
            continue
        row.status, row.resolution = DiscrepancyStatus.RESOLVED.value, Resolution.FIXED.value
        row.resolved_by, row.resolved_at = f"crosscheck:{run.run_id}", run.now
        row.note = f"Closed by cross-check run {run.run_id}: the cause is no longer found."
        changed(session, row, run.access, "close", run.now, row.note)
        announce(session, "discrepancy.resolved", row)
        outcome.touched["close"].append(row)
        outcome.closed += 1


def reconcile(
    session: Session,
    findings: Iterable[Finding],
    *,
    run_id: str,
    region: str,
    as_of: date,
    due_days: int,
    access: Access,
    covered_types: frozenset[str] = ALL_TYPES,
) -> Reconciliation:
    """Bring the worklist of `region` in line with a run's findings (one transaction).

    Findings outside `region` are ignored; only open or reopened discrepancies inside
    `region` and of `covered_types`, last seen as of this run's day or earlier, can be
    closed for not being found.
    """
    _lock_worklist(session)
    run = RunContext(run_id, region, as_of, as_of + timedelta(days=due_days), utcnow(), access)
    found: dict[str, Finding] = {}
    for finding in findings:
        if in_jurisdiction(region, finding.region) and finding.type.value in covered_types:
            found.setdefault(finding.fingerprint, finding)
    outcome = Reconciliation()
    existing = _existing(session, sorted(found))
    for fingerprint, finding in found.items():
        outcome.counts[finding.type.value] = outcome.counts.get(finding.type.value, 0) + 1
        row = existing.get(fingerprint)
        if row is None:
            _open(session, finding, run, outcome)
        else:
            _seen(session, row, finding, run, outcome)
    _close_the_vanished(session, found, run, covered_types, outcome)
    session.flush()
    for action, rows in outcome.touched.items():
        audit(session, access, action, rows)
    return outcome
