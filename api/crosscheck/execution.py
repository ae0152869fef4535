"""Carrying out a claimed cross-check run: fingerprint, load, link, reconcile.

The worker that holds a run (`claimed_by`) reports each phase on the run, which is also a
sign of life. The engine's findings reach the worklist in one transaction at the end,
together with the run's success, and only while the run is still held by this worker: a
run taken over by another worker (or failed) meanwhile leaves its results unused, and a
failed run leaves the previous results intact.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from api.access.jurisdiction import jurisdiction_filter, significant_digits
from api.access.policy import Department, Purpose
from api.access.principal import Access, ActorType, tokenless_access
from api.config import Settings
from api.crosscheck.linkage import engine as linkage_engine
from api.crosscheck.linkage import loader
from api.crosscheck.linkage.findings import Finding
from api.crosscheck.reconcile import reconcile
from api.db import read_only, unit_of_work
from api.models import CrosscheckRun, Discrepancy
from api.models.crosscheck_run import RunStatus
from api.models.types import utcnow

logger = logging.getLogger(__name__)

# Bumped when what goes into an input fingerprint changes, so old ones never match.
FINGERPRINT_SCHEME = "2"
SOURCE_TABLES = ("birth", "household_entry", "person", "marriage")
FAILURE_MESSAGE = "The cross-check stopped with an internal error; the previous results stand."
# Where each phase starts, in percent of the whole run (linking is the long part).
PHASES = {"starting": 0, "fingerprint": 2, "load": 5, "link": 35, "reconcile": 80}

Progress = Callable[[str, int], None]
"""Told each phase as it starts, with the percentage done."""


class RunAbandoned(Exception):
    """The run is no longer held by this worker (taken over, or failed); its results are void."""


@dataclass(frozen=True)
class Claim:
    """A run held by one worker."""

    run_id: str
    worker: str


def system_access(run: CrosscheckRun) -> Access:
    """The run itself as the actor of its worklist changes in the access log."""
    return tokenless_access(
        ActorType.SYSTEM,
        subject=f"crosscheck:{run.id}",
        department=Department(run.requested_department),
        region=run.region,
        purpose=Purpose.CROSSCHECK,
    )


def _held(claim: Claim) -> list[ColumnElement[bool]]:
    return [
        col(CrosscheckRun.id) == claim.run_id,
        col(CrosscheckRun.claimed_by) == claim.worker,
        col(CrosscheckRun.status) == RunStatus.RUNNING.value,
    ]


def beat(engine: Engine, claim: Claim, phase: str | None = None) -> bool:
    """Say the worker is alive (and at `phase`); False if the run is no longer held."""
    now = utcnow()
    values: dict[str, object] = {"heartbeat_at": now, "updated_at": now}
    if phase is not None:
        values |= {"phase": phase, "percent": PHASES.get(phase, 0)}
    with unit_of_work(engine) as session:
        result = session.execute(update(CrosscheckRun).where(*_held(claim)).values(**values))
        return bool(getattr(result, "rowcount", 0))


def _phase(engine: Engine, claim: Claim, phase: str, progress: Progress) -> None:
    if not beat(engine, claim, phase):
        raise RunAbandoned(claim.run_id)
    progress(phase, PHASES[phase])


def _locked_run(session: Session, claim: Claim) -> CrosscheckRun:
    run = session.exec(
        select(CrosscheckRun).where(CrosscheckRun.id == claim.run_id).with_for_update()
    ).first()
    if run is None or run.status != RunStatus.RUNNING or run.claimed_by != claim.worker:
        raise RunAbandoned(claim.run_id)
    return run


def input_fingerprint(session: Session, run: CrosscheckRun) -> str:
    """Summarise what the run would read, so that unchanged inputs can reuse the last result.

    Per source table, over all of its rows (a superset of what the loader reads: one plain
    scan, without the loader's region subqueries that cost as much as the load): the
    count, the sum of versions (+1 on every change) and the latest change; the region's
    worklist the same way (a discrepancy resolved by hand must be checked again); and
    the day the run is as of. A change outside the region means looking again, which is
    never wrong.
    """
    prefix = significant_digits(run.region)
    parts = [FINGERPRINT_SCHEME, run.as_of.isoformat(), prefix]
    for table in SOURCE_TABLES:
        row = session.execute(
            text(f"SELECT count(*), coalesce(sum(version), 0), max(updated_at) FROM {table}")
        ).one()
        parts.extend(str(value) for value in row)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Discrepancy.version), 0),
            func.max(Discrepancy.updated_at),
        ).where(jurisdiction_filter(col(Discrepancy.region), run.region))
    ).one()
    parts.extend(str(value) for value in row)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _reuse(engine: Engine, claim: Claim, fingerprint: str) -> CrosscheckRun | None:
    """Finish the run with the last succeeded run's results when its inputs are the same."""
    with unit_of_work(engine) as session:
        current = _locked_run(session, claim)
        last = session.exec(
            select(CrosscheckRun)
            .where(
                CrosscheckRun.region == current.region,
                CrosscheckRun.status == RunStatus.SUCCEEDED.value,
            )
            .order_by(col(CrosscheckRun.finished_at).desc())
        ).first()
        if last is None or last.input_fingerprint != fingerprint:
            return None
        current.counts = dict(last.counts)
        current.unchanged = sum(last.counts.values())
        current.reused, current.reused_from = True, last.reused_from or last.id
        current.input_fingerprint = fingerprint
        _succeed(current)
        session.add(current)
        return current


def _succeed(run: CrosscheckRun) -> None:
    run.status, run.phase, run.percent = RunStatus.SUCCEEDED.value, "done", 100
    run.finished_at = run.updated_at = run.heartbeat_at = utcnow()


def _finish(
    engine: Engine, claim: Claim, fingerprint: str, findings: list[Finding], settings: Settings
) -> CrosscheckRun:
    with unit_of_work(engine) as session:
        current = _locked_run(session, claim)
        outcome = reconcile(
            session,
            findings,
            run_id=current.id,
            region=current.region,
            as_of=current.as_of,
            due_days=settings.discrepancy_due_days,
            access=system_access(current),
        )
        current.counts = outcome.counts
        current.opened, current.reopened = outcome.opened, outcome.reopened
        current.closed, current.unchanged = outcome.closed, outcome.unchanged
        current.input_fingerprint = fingerprint
        _succeed(current)
        session.add(current)
        return current


def fail(engine: Engine, claim: Claim, message: str) -> None:
    """Record that the held run failed, with a message safe to show."""
    with unit_of_work(engine) as session:
        now = utcnow()
        session.execute(
            update(CrosscheckRun)
            .where(*_held(claim))
            .values(status=RunStatus.FAILED.value, error=message, finished_at=now, updated_at=now)
        )


def find_discrepancies(
    engine: Engine, run: CrosscheckRun, claim: Claim, progress: Progress
) -> list[Finding]:
    """Load the region's records and link them (the engine's part of a run)."""
    _phase(engine, claim, "load", progress)
    # On SQLite a connection that begins a transaction takes the write lock, which the API's
    # audited reads need while the run loads; on PostgreSQL readers lock nothing, and the
    # loader's helpers share its transaction's exported snapshot.
    reader = read_only(engine) if engine.dialect.name == "sqlite" else engine
    with reader.connect() as connection:
        inputs = loader.load(connection, run.region)
    _phase(engine, claim, "link", progress)
    prefix = significant_digits(run.region)
    return linkage_engine.link(*inputs, as_of=run.as_of, region_prefix=prefix or None)


def execute(
    engine: Engine, claim: Claim, *, settings: Settings, progress: Progress | None = None
) -> CrosscheckRun | None:
    """Carry out a held run to success or failure; return it as it ended.

    Never raises for a failure of the run itself: that is recorded on the run with a
    message safe to show, and the details go to the log. A run that stopped being held
    is left to whoever holds it now.
    """
    note = progress or (lambda phase, percent: None)
    try:
        with Session(read_only(engine), expire_on_commit=False) as session:
            run = session.get(CrosscheckRun, claim.run_id)
        if run is None:
            return None
        _phase(engine, claim, "fingerprint", note)
        with Session(read_only(engine)) as session:
            fingerprint = input_fingerprint(session, run)
        reused = _reuse(engine, claim, fingerprint)
        if reused is not None:
            note("done", 100)
            return reused
        findings = find_discrepancies(engine, run, claim, note)
        _phase(engine, claim, "reconcile", note)
        finished = _finish(engine, claim, fingerprint, findings, settings)
        note("done", 100)
        return finished
    except RunAbandoned:
        logger.warning("cross-check run %s is no longer held by %s", claim.run_id, claim.worker)
    except Exception:
        logger.exception("cross-check run %s failed", claim.run_id)
        try:
            fail(engine, claim, FAILURE_MESSAGE)
        except SQLAlchemyError:  # the database itself is away: the run will go stale
            logger.exception("could not record the failure of cross-check run %s", claim.run_id)
            return None
    return read(engine, claim.run_id)


def read(engine: Engine, run_id: str) -> CrosscheckRun | None:
    """The run as stored now."""
    with Session(engine, expire_on_commit=False) as session:
        return session.get(CrosscheckRun, run_id)
