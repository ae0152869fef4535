"""Cross-check runs (信息比对): queue one per region, execute it, keep the worklist in step.

A run moves through its own units of work: queued (with the request), running, then
succeeded or failed. The engine's findings reach the worklist in one transaction at the
end together with the run's success, so a failed run leaves the previous results intact.
The database allows one queued or running run per region (a partial unique index), so
two schedulers or API workers cannot start the same region twice; a run left behind by a
dead process is failed once it has been silent for `crosscheck_stale_after_seconds`.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.access.jurisdiction import covers, jurisdiction_filter, significant_digits
from api.access.policy import Department, Purpose
from api.access.principal import Access, Principal
from api.config import Settings
from api.crosscheck import worklist
from api.crosscheck.linkage import engine as linkage_engine
from api.crosscheck.linkage import loader
from api.crosscheck.linkage.findings import Finding
from api.db import unit_of_work
from api.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from api.journal.audit import record_access
from api.models import CrosscheckRun, Discrepancy
from api.models.crosscheck_run import ACTIVE_STATUSES, RunStatus
from api.models.types import utcnow
from api.pagination import Page, decode_cursor, encode_cursor
from api.validation import today_in_china

logger = logging.getLogger(__name__)

RESOURCE = "crosscheck-runs"
# Bumped when what goes into an input fingerprint changes, so old ones never match.
FINGERPRINT_SCHEME = "1"
SOURCE_TABLES = ("birth", "household_entry", "person", "marriage")
FAILURE_MESSAGE = "The cross-check stopped with an internal error; the previous results stand."
STALE_MESSAGE = "The cross-check was abandoned: its process stopped without finishing."

Progress = Callable[[str], None]
"""Told each phase as it starts: fingerprint, load, link, reconcile."""


class RunAbandoned(Exception):
    """The run was failed by someone else (as stale) while it worked; its results are void."""


def system_access(run: CrosscheckRun) -> Access:
    """The run itself as the actor of its worklist changes in the access log."""
    principal = Principal(
        subject=f"crosscheck:{run.id}",
        actor_type="system",
        department=Department(run.requested_department),
        region=run.region,
        scopes=frozenset(),
        purposes=(Purpose.CROSSCHECK,),
        jti="",
    )
    return Access(principal, Purpose.CROSSCHECK, purpose_stated=True)


def operator_access(subject: str, region: str) -> Access:
    """An operator at the server's command line (or its scheduler) acting as admin."""
    principal = Principal(
        subject=subject[:64],
        actor_type="operator",
        department=Department.ADMIN,
        region=region,
        scopes=frozenset(),
        purposes=(Purpose.CROSSCHECK,),
        jti="",
    )
    return Access(principal, Purpose.CROSSCHECK, purpose_stated=True)


# -- requesting ---------------------------------------------------------------------------


def fail_stale_runs(session: Session, *, settings: Settings) -> int:
    """Fail queued or running runs that have been silent too long; return how many."""
    now = utcnow()
    cutoff = now - timedelta(seconds=settings.crosscheck_stale_after_seconds)
    result = session.execute(
        update(CrosscheckRun)
        .where(
            col(CrosscheckRun.status).in_(ACTIVE_STATUSES),
            col(CrosscheckRun.updated_at) < cutoff,
        )
        .values(status=RunStatus.FAILED.value, error=STALE_MESSAGE, finished_at=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def active_run(session: Session, region: str) -> CrosscheckRun | None:
    """The queued or running run of `region`, if any."""
    return session.exec(
        select(CrosscheckRun).where(
            CrosscheckRun.region == region, col(CrosscheckRun.status).in_(ACTIVE_STATUSES)
        )
    ).first()


def request_run(
    session: Session,
    *,
    access: Access,
    settings: Settings,
    region: str | None = None,
    as_of: date | None = None,
) -> CrosscheckRun:
    """Queue a run of `region` (default: the caller's jurisdiction) as of `as_of` (today).

    403 for a region outside the caller's jurisdiction, 422 for a future day, 409 while
    another run of the region is queued or running.
    """
    principal = access.principal
    region = region or principal.region
    if not covers(principal.region, region):
        raise Forbidden(
            f"Region {region} is outside the caller's jurisdiction {principal.region}.",
            errors=[FieldError("region", f"{region} is outside your jurisdiction")],
        )
    as_of = as_of or today_in_china()
    if as_of > today_in_china():
        raise InvalidInput(
            "as_of must not be in the future.",
            errors=[FieldError("as_of", "must not be in the future")],
        )
    fail_stale_runs(session, settings=settings)
    run = CrosscheckRun(
        region=region,
        as_of=as_of,
        requested_by=principal.subject,
        requested_department=principal.department.value,
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        running = active_run(session, region)
        if running is None:  # it finished between our insert and this look-up
            raise Conflict(f"A cross-check of region {region} was just in progress.") from None
        raise Conflict(
            f"A cross-check of region {region} is already {running.status} (run {running.id}).",
            errors=[FieldError("region", "a cross-check of this region is in progress")],
            existing_id=running.id,
        ) from None
    record_access(session, access, action="crosscheck", resource=RESOURCE, record_ids=[run.id])
    return run


# -- reading ------------------------------------------------------------------------------


def get_run(session: Session, run_id: str, *, access: Access) -> CrosscheckRun:
    """One run of a region inside the caller's jurisdiction."""
    run = session.get(CrosscheckRun, run_id)
    if run is None or not access.principal.can_see(run.region):
        raise NotFound("No cross-check run with this id.")
    return run


def list_runs(
    session: Session, *, access: Access, limit: int, cursor: str | None
) -> Page[CrosscheckRun]:
    """Runs of regions inside the caller's jurisdiction, newest first."""
    query = select(CrosscheckRun).where(
        jurisdiction_filter(col(CrosscheckRun.region), access.principal.region)
    )
    if cursor:
        created_at, last_id = decode_cursor(cursor, arity=2)
        before = _instant(created_at)
        query = query.where(
            (col(CrosscheckRun.created_at) < before)
            | ((col(CrosscheckRun.created_at) == before) & (col(CrosscheckRun.id) < str(last_id)))
        )
    query = query.order_by(col(CrosscheckRun.created_at).desc(), col(CrosscheckRun.id).desc())
    rows = list(session.exec(query.limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id])
    return Page(rows, next_cursor)


def _instant(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[FieldError("cursor", "invalid cursor")],
        )
    return parsed


# -- executing ----------------------------------------------------------------------------


def input_fingerprint(session: Session, run: CrosscheckRun) -> str:
    """Summarise what the run would read, so that unchanged inputs can reuse the last result.

    Per source table, over exactly the rows the loader reads for the region (its records
    and their counterparts elsewhere): the count, the sum of versions (+1 on every
    change) and the latest change; the region's worklist the same way (a discrepancy
    resolved by hand must be checked again); and the day the run is as of.
    """
    prefix = significant_digits(run.region)
    # The loader's own row selection, so that the summary covers what the engine sees.
    where = loader.region_filters(prefix, True)
    parts = [FINGERPRINT_SCHEME, run.as_of.isoformat(), prefix]
    for table in SOURCE_TABLES:
        row = session.execute(
            text(
                f"SELECT count(*), coalesce(sum(version), 0), max(updated_at) "
                f"FROM {table} WHERE {where[table]}"
            )
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


def _locked_run(session: Session, run_id: str) -> CrosscheckRun:
    run = session.exec(
        select(CrosscheckRun).where(CrosscheckRun.id == run_id).with_for_update()
    ).first()
    if run is None or run.status != RunStatus.RUNNING:
        raise RunAbandoned(run_id)
    return run


def _start(engine: Engine, run_id: str) -> CrosscheckRun | None:
    with unit_of_work(engine) as session:
        run = session.exec(
            select(CrosscheckRun).where(CrosscheckRun.id == run_id).with_for_update()
        ).first()
        if run is None or run.status != RunStatus.QUEUED:
            return None
        run.status = RunStatus.RUNNING.value
        run.started_at = run.updated_at = utcnow()
        session.add(run)
        return run


def _touch(engine: Engine, run_id: str) -> None:
    with unit_of_work(engine) as session:
        run = _locked_run(session, run_id)
        run.updated_at = utcnow()
        session.add(run)


def _reuse(engine: Engine, run: CrosscheckRun, fingerprint: str) -> CrosscheckRun | None:
    """Finish the run with the last succeeded run's results when its inputs are the same."""
    with unit_of_work(engine) as session:
        last = session.exec(
            select(CrosscheckRun)
            .where(
                CrosscheckRun.region == run.region,
                CrosscheckRun.status == RunStatus.SUCCEEDED.value,
            )
            .order_by(col(CrosscheckRun.finished_at).desc())
        ).first()
        if last is None or last.input_fingerprint != fingerprint:
            return None
        current = _locked_run(session, run.id)
        current.counts = dict(last.counts)
        current.unchanged = sum(last.counts.values())
        current.reused, current.reused_from = True, last.reused_from or last.id
        current.input_fingerprint = fingerprint
        current.status = RunStatus.SUCCEEDED.value
        current.finished_at = current.updated_at = utcnow()
        session.add(current)
        return current


def _finish(
    engine: Engine,
    run: CrosscheckRun,
    fingerprint: str,
    findings: list[Finding],
    settings: Settings,
) -> CrosscheckRun:
    with unit_of_work(engine) as session:
        current = _locked_run(session, run.id)
        outcome = worklist.reconcile(
            session,
            findings,
            run_id=run.id,
            region=run.region,
            as_of=run.as_of,
            due_days=settings.discrepancy_due_days,
            access=system_access(run),
        )
        current.counts = outcome.counts
        current.opened, current.reopened = outcome.opened, outcome.reopened
        current.closed, current.unchanged = outcome.closed, outcome.unchanged
        current.input_fingerprint = fingerprint
        current.status = RunStatus.SUCCEEDED.value
        current.finished_at = current.updated_at = utcnow()
        session.add(current)
        return current


def _fail(engine: Engine, run_id: str, message: str) -> None:
    with unit_of_work(engine) as session:
        now = utcnow()
        session.execute(
            update(CrosscheckRun)
            .where(col(CrosscheckRun.id) == run_id, col(CrosscheckRun.status).in_(ACTIVE_STATUSES))
            .values(status=RunStatus.FAILED.value, error=message, finished_at=now, updated_at=now)
        )


def find_discrepancies(engine: Engine, run: CrosscheckRun, progress: Progress) -> list[Finding]:
    """Load the region's records and link them (the engine's part of a run)."""
    progress("load")
    with engine.connect() as connection:
        inputs = loader.load(connection, run.region)
    _touch(engine, run.id)
    progress("link")
    prefix = significant_digits(run.region)
    return linkage_engine.link(*inputs, as_of=run.as_of, region_prefix=prefix or None)


def execute_run(
    engine: Engine, run_id: str, *, settings: Settings, progress: Progress | None = None
) -> CrosscheckRun | None:
    """Carry out a queued run to success or failure; return it as it ended.

    Never raises for a failure of the run itself: that is recorded on the run with a
    message safe to show, and the details go to the log.
    """
    note = progress or (lambda phase: None)
    try:
        run = _start(engine, run_id)
        if run is None:
            logger.info("cross-check run %s is not queued; nothing to do", run_id)
            return _read(engine, run_id)
        note("fingerprint")
        with Session(engine) as session:
            fingerprint = input_fingerprint(session, run)
        reused = _reuse(engine, run, fingerprint)
        if reused is not None:
            return reused
        findings = find_discrepancies(engine, run, note)
        _touch(engine, run.id)
        note("reconcile")
        return _finish(engine, run, fingerprint, findings, settings)
    except RunAbandoned:
        logger.warning("cross-check run %s was failed as stale while it worked", run_id)
    except Exception:
        logger.exception("cross-check run %s failed", run_id)
        _fail(engine, run_id, FAILURE_MESSAGE)
    return _read(engine, run_id)


def _read(engine: Engine, run_id: str) -> CrosscheckRun | None:
    with Session(engine, expire_on_commit=False) as session:
        return session.get(CrosscheckRun, run_id)


def run_now(
    engine: Engine,
    *,
    access: Access,
    settings: Settings,
    region: str | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> CrosscheckRun | None:
    """Queue and execute a run in the foreground (the command line and the scheduler)."""
    with unit_of_work(engine) as session:
        run = request_run(session, access=access, settings=settings, region=region, as_of=as_of)
    return execute_run(engine, run.id, settings=settings, progress=progress)
