"""Bringing the worklist in line with a run's findings (one transaction per run).

A discrepancy is keyed by its finding's fingerprint, so however many runs see it, it is
reported once. A new finding opens it; a run that still finds one resolved as `fixed`
reopens it, while `confirmed_correct`, `merged` and `not_applicable` are final; a run that
no longer finds an open one closes it as fixed, unless an earlier run found it looking at
a later day than this one (a back-dated run cannot see what that run saw).
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, or_

from api.access.jurisdiction import in_jurisdiction, jurisdiction_filter
from api.access.principal import Access
from api.bulk.rows import Row, among, new_ids
from api.crosscheck.changes import DISCREPANCIES, ChangeSet, Sighting
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.tracking import chunks
from api.models import Discrepancy
from api.models.discrepancy import (
    CROSSCHECK_SOURCE,
    UNRESOLVED_STATUSES,
    DiscrepancyStatus,
    Resolution,
)
from api.models.types import utcnow

ALL_TYPES: frozenset[str] = frozenset(t.value for t in DiscrepancyType)
# Serialises reconciliations on PostgreSQL, where runs of overlapping regions (420000 and
# 420200) could otherwise insert the same fingerprint at once; SQLite writers are serial.
_RECONCILE_LOCK_KEY = 0x76697461
SQLITE_CACHE_KIB = 256 * 1024
# Findings decided and written together: bounds the rows, versions and events held at once.
CHUNK_FINDINGS = 10_000
_D = DISCREPANCIES.c


@dataclass
class Reconciliation:
    """What one run did to the worklist."""

    counts: dict[str, int] = field(default_factory=lambda: {t: 0 for t in sorted(ALL_TYPES)})
    opened: int = 0
    reopened: int = 0
    closed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class RunContext:
    """The run whose findings are reconciled."""

    run_id: str
    region: str
    as_of: date
    due_by: date
    now: datetime
    access: Access
    stored: set[str] = field(default_factory=set)  # found fingerprints already on the list

    def changes(self) -> ChangeSet:
        """An empty set of changes made by this run."""
        return ChangeSet(Sighting(self.run_id, self.now, self.as_of, self.access))


def _lock_worklist(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECONCILE_LOCK_KEY})


@contextmanager
def _page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache that holds the worklist's indexes while rows pour in.

    Inserts land at random places of the id and fingerprint indexes; with SQLite's default
    2 MB cache every one of them goes to the file (twice the time for a large run).
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before)}"))


def _rows(session: Session, where: ColumnElement[bool]) -> list[Row]:
    query = select(DISCREPANCIES).where(where).order_by(_D.id).with_for_update()
    return [dict(row) for row in session.execute(query).mappings()]


def _keyed(session: Session, fingerprints: Sequence[str]) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = among(session, [_D.fingerprint], [(f,) for f in fingerprints])
    return condition


def _stored(session: Session, fingerprints: Sequence[str]) -> set[str]:
    """Which fingerprints the worklist holds, read before this run adds any.

    Asked once up front: on PostgreSQL, asking while the run's inserts grow the table
    (its statistics lagging behind) turns every later look-up into a scan of it.
    """
    stored: set[str] = set()
    for part in chunks(fingerprints):
        stored.update(
            session.execute(select(_D.fingerprint).where(_keyed(session, part))).scalars()
        )
    return stored


def _existing(session: Session, fingerprints: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for part in chunks(fingerprints):
        for row in _rows(session, _keyed(session, part)):
            found[row["fingerprint"]] = row
    return found


# Details the engine gives with dates, tuples or numbers as keys are stored as the JSON
# column will give them back (dates written as str() writes them), so that an unchanged
# explanation compares equal on the next run.
_AS_JSON = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _details(finding: Finding) -> dict[str, Any]:
    details: dict[str, Any] = orjson.loads(
        orjson.dumps(finding.details, default=str, option=_AS_JSON)
    )
    return details


def _subjects(finding: Finding) -> list[dict[str, str]]:
    return [{"resource": resource, "id": record_id} for resource, record_id in finding.subjects]


def _refresh(row: Row, finding: Finding) -> bool:
    """Take the finding's current explanation; True if anything a caller sees changed."""
    current = (list(finding.fields), _details(finding), finding.region, _subjects(finding))
    if (row["fields"], row["details"], row["region"], row["subjects"]) == current:
        return False
    row["fields"], row["details"], row["region"], row["subjects"] = current
    return True


def _new(row_id: str, fingerprint: str, finding: Finding, run: RunContext) -> Row:
    return {
        "id": row_id,
        "version": 1,
        "created_at": run.now,
        "updated_at": run.now,
        "source": CROSSCHECK_SOURCE,
        "fingerprint": fingerprint,
        "type": finding.type.value,
        "region": finding.region,
        "status": DiscrepancyStatus.OPEN.value,
        "detected_at": run.now,
        "due_by": run.due_by,
        "subjects": _subjects(finding),
        "fields": list(finding.fields),
        "details": _details(finding),
        "resolution": None,
        "note": None,
        "resolved_by": None,
        "resolved_at": None,
        "reopened_at": None,
        "reopen_count": 0,
        "first_run_id": run.run_id,
        "last_seen_run_id": run.run_id,
        "last_seen_at": run.now,
        "last_seen_as_of": run.as_of,
        "assignee": None,
        "assigned_at": None,
        "assigned_by": None,
    }


def _seen(
    row: Row, finding: Finding, run: RunContext, changes: ChangeSet, outcome: Reconciliation
) -> None:
    row["last_seen_run_id"], row["last_seen_at"] = run.run_id, run.now
    row["last_seen_as_of"] = max(run.as_of, row["last_seen_as_of"] or run.as_of)
    if row["status"] == DiscrepancyStatus.RESOLVED and row["resolution"] == Resolution.FIXED:
        _refresh(row, finding)
        row.update(
            status=DiscrepancyStatus.REOPENED.value,
            due_by=run.due_by,
            reopened_at=run.now,
            reopen_count=row["reopen_count"] + 1,
            resolution=None,
            note=None,
            resolved_by=None,
            resolved_at=None,
        )
        reason = "found again by run " + run.run_id
        changes.change(row, "reopen", reason, "discrepancy.reopened")
        outcome.reopened += 1
        return
    if row["status"] != DiscrepancyStatus.RESOLVED and _refresh(row, finding):
        changes.change(row, "update")
    else:
        changes.see(row["id"])
    outcome.unchanged += 1


def _reconcile_chunk(
    session: Session,
    found: dict[str, Finding],
    part: Sequence[str],
    run: RunContext,
    outcome: Reconciliation,
) -> None:
    existing = _existing(
        session, [fingerprint for fingerprint in part if fingerprint in run.stored]
    )
    changes = run.changes()
    ids = iter(new_ids(len(part) - len(existing)))
    for fingerprint in part:
        finding = found[fingerprint]
        outcome.counts[finding.type.value] = outcome.counts.get(finding.type.value, 0) + 1
        row = existing.get(fingerprint)
        if row is None:
            changes.open(_new(next(ids), fingerprint, finding, run))
            outcome.opened += 1
        else:
            _seen(row, finding, run, changes, outcome)
    changes.write(session)


def _stale(run: RunContext, covered_types: frozenset[str]) -> ColumnElement[bool]:
    """SQL: an unresolved item of the run's region and types it may close if not found."""
    return (
        _D.status.in_(UNRESOLVED_STATUSES)
        & _D.type.in_(sorted(covered_types))
        & jurisdiction_filter(_D.region, run.region)
        # Seen by a run that looked at a later day: this run cannot tell it is gone.
        & or_(_D.last_seen_as_of.is_(None), _D.last_seen_as_of <= run.as_of)
    )


def _close_the_vanished(
    session: Session,
    found: dict[str, Finding],
    run: RunContext,
    covered_types: frozenset[str],
    outcome: Reconciliation,
) -> None:
    stale = _stale(run, covered_types)
    candidates = session.execute(select(_D.id, _D.fingerprint).where(stale).order_by(_D.id))
    vanished = [row_id for row_id, fingerprint in candidates if fingerprint not in found]
    note = f"Closed by cross-check run {run.run_id}: the cause is no longer found."
    for part in chunks(vanished, CHUNK_FINDINGS):
        changes = run.changes()
        for ids in chunks(part):
            # Locked and read again: someone may have resolved it in the meantime.
            for row in _rows(session, stale & among(session, [_D.id], [(i,) for i in ids])):
                row.update(
                    status=DiscrepancyStatus.RESOLVED.value,
                    resolution=Resolution.FIXED.value,
                    resolved_by=f"crosscheck:{run.run_id}",
                    resolved_at=run.now,
                    note=note,
                )
                changes.change(row, "close", note, "discrepancy.resolved")
                outcome.closed += 1
        changes.write(session)


def _in_scope(
    findings: Iterable[Finding], region: str, covered_types: frozenset[str]
) -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    for finding in findings:
        if in_jurisdiction(region, finding.region) and finding.type.value in covered_types:
            found.setdefault(finding.fingerprint, finding)
    return found


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
    closed for not being found. Rows are read and written in bulk, a chunk of findings
    at a time; the session's own discrepancy objects are expired, to be read again.
    """
    _lock_worklist(session)
    session.flush()
    run = RunContext(run_id, region, as_of, as_of + timedelta(days=due_days), utcnow(), access)
    found = _in_scope(findings, region, covered_types)
    run.stored.update(_stored(session, list(found)))
    outcome = Reconciliation()
    with _page_cache(session):
        for part in chunks(list(found), CHUNK_FINDINGS):
            _reconcile_chunk(session, found, part, run, outcome)
        _close_the_vanished(session, found, run, covered_types, outcome)
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Discrepancy):
            session.expire(instance)
    return outcome
