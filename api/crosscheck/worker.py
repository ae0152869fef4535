"""The cross-check worker (`vitalx worker`): it claims queued runs from the database and
carries them out one at a time, beats its heart while it works, and queues the nightly run.

Claiming is one conditional UPDATE (`... WHERE id = ? AND <still claimable>`), which the
database applies to one worker only, on SQLite (writers are serial) and PostgreSQL (the
second UPDATE waits for the first and then finds the row no longer claimable) alike. A
running run whose worker has not beaten its heart for `crosscheck_stale_after_seconds`
was left by a dead process and is claimable again: another worker takes it over (and
fails it instead after `crosscheck_max_attempts` tries). A region has at most one queued
or running run (a unique index), so runs of one region never overlap.
"""

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from api.access.principal import Access
from api.config import Settings
from api.crosscheck.execution import Claim, Progress, beat, execute
from api.crosscheck.runs import operator_access, request_run
from api.db import unit_of_work
from api.errors import Problem
from api.models import CrosscheckRun
from api.models.crosscheck_run import RunStatus
from api.models.types import utcnow
from api.validation import NATIONAL_PREFIX

logger = logging.getLogger(__name__)

ABANDONED_MESSAGE = "The cross-check was abandoned: its worker stopped {n} times without finishing."
INTERRUPTED_MESSAGE = "The cross-check was interrupted at the command line."


class Shutdown(BaseException):
    """Raised in a worker's main thread when it is told to stop in the middle of a run."""


def worker_name() -> str:
    """A name no other worker has: host, process and a random tail."""
    return f"{socket.gethostname()[:96]}:{os.getpid()}:{secrets.token_hex(3)}"


def yield_cpu(niceness: int) -> int:
    """Raise this process's niceness to at least `niceness`; return the niceness it has now."""
    # Linux keeps a niceness per thread, and a new thread inherits its creator's: every
    # thread running now (a native library may have started some) is set, and the threads
    # started later follow (the heartbeat, the linkage engine's). Elsewhere 0 is the process.
    tasks = Path("/proc/self/task")
    threads = [int(task.name) for task in tasks.iterdir()] if tasks.is_dir() else [0]
    for thread in threads:
        with suppress(ProcessLookupError):  # a thread that has just ended
            if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)


def _claimable(cutoff: datetime) -> ColumnElement[bool]:
    silent_since = func.coalesce(col(CrosscheckRun.heartbeat_at), col(CrosscheckRun.updated_at))
    return or_(
        col(CrosscheckRun.status) == RunStatus.QUEUED.value,
        and_(col(CrosscheckRun.status) == RunStatus.RUNNING.value, silent_since < cutoff),
    )


def claim_next(
    engine: Engine, *, worker: str, settings: Settings, run_id: str | None = None
) -> Claim | None:
    """Take the oldest queued (or abandoned) run, or `run_id`; None when there is none."""
    now = utcnow()
    cutoff = now - timedelta(seconds=settings.crosscheck_stale_after_seconds)
    with unit_of_work(engine) as session:
        query = select(CrosscheckRun.id, CrosscheckRun.status, CrosscheckRun.attempts).where(
            _claimable(cutoff)
        )
        if run_id is not None:
            query = query.where(CrosscheckRun.id == run_id)
        query = query.order_by(col(CrosscheckRun.created_at), col(CrosscheckRun.id)).limit(10)
        for found, status, attempts in session.exec(query).all():
            still = update(CrosscheckRun).where(col(CrosscheckRun.id) == found, _claimable(cutoff))
            if status == RunStatus.RUNNING and attempts >= settings.crosscheck_max_attempts:
                message = ABANDONED_MESSAGE.format(n=attempts)
                values = {"status": RunStatus.FAILED.value, "error": message, "finished_at": now}
                session.execute(still.values(**values, updated_at=now))
                logger.warning("cross-check run %s failed after %d attempts", found, attempts)
                continue
            result = session.execute(
                still.values(
                    status=RunStatus.RUNNING.value,
                    claimed_by=worker,
                    heartbeat_at=now,
                    updated_at=now,
                    started_at=func.coalesce(col(CrosscheckRun.started_at), now),
                    attempts=col(CrosscheckRun.attempts) + 1,
                    phase="starting",
                    percent=0,
                )
            )
            if getattr(result, "rowcount", 0) == 1:
                verb = "took over" if status == RunStatus.RUNNING else "claimed"
                logger.info("worker %s %s cross-check run %s", worker, verb, found)
                return Claim(found, worker)
    return None


def release(engine: Engine, claim: Claim, *, message: str | None = None) -> None:
    """Give a held run back to the queue, or fail it with `message`."""
    now = utcnow()
    if message is None:
        values: dict[str, object] = {"status": RunStatus.QUEUED.value, "claimed_by": None}
        values |= {"heartbeat_at": None, "phase": None, "percent": 0}
    else:
        values = {"status": RunStatus.FAILED.value, "error": message, "finished_at": now}
    with unit_of_work(engine) as session:
        session.execute(
            update(CrosscheckRun)
            .where(
                col(CrosscheckRun.id) == claim.run_id,
                col(CrosscheckRun.claimed_by) == claim.worker,
                col(CrosscheckRun.status) == RunStatus.RUNNING.value,
            )
            .values(**values, updated_at=now)
        )


class Heartbeat:
    """A thread that says, every few seconds, that the worker holding a run is alive."""

    def __init__(self, engine: Engine, claim: Claim, every: float) -> None:
        self.engine, self.claim, self.every = engine, claim, every
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="crosscheck-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not beat(self.engine, self.claim):
                    self.lost.set()
                    return
            except SQLAlchemyError:  # busy or away for a moment: the next beat may pass
                logger.warning("heartbeat of cross-check run %s failed", self.claim.run_id)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=max(self.every, 1.0) + 30)


def work(
    engine: Engine, claim: Claim, *, settings: Settings, progress: Progress | None = None
) -> CrosscheckRun | None:
    """Carry out a held run with a heartbeat beside it."""
    with Heartbeat(engine, claim, settings.crosscheck_heartbeat_seconds):
        return execute(engine, claim, settings=settings, progress=progress)


def run_now(
    engine: Engine,
    *,
    access: Access,
    settings: Settings,
    region: str | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> CrosscheckRun | None:
    """Queue a run held by this process and carry it out in the foreground (the CLI)."""
    worker = worker_name()
    with unit_of_work(engine) as session:
        run = request_run(session, access=access, region=region, as_of=as_of, claimed_by=worker)
    claim = Claim(run.id, worker)
    try:
        return work(engine, claim, settings=settings, progress=progress)
    except BaseException:
        release(engine, claim, message=INTERRUPTED_MESSAGE)
        raise


def next_run_after(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first instant after `now` when the clock in `zone` shows `at`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


@dataclass
class Schedule:
    """The nightly run: `region` every day at `at` in `zone`."""

    at: time
    zone: ZoneInfo
    region: str = NATIONAL_PREFIX
    due: datetime | None = None


def queue_scheduled(
    engine: Engine, schedule: Schedule, *, now: datetime, subject: str
) -> CrosscheckRun | None:
    """Queue the scheduled run once its time has come (once, however many workers look)."""
    if schedule.due is None:
        schedule.due = next_run_after(now, schedule.at, schedule.zone)
        logger.info("next scheduled cross-check of %s at %s", schedule.region, schedule.due)
    if now < schedule.due:
        return None
    due, schedule.due = schedule.due, next_run_after(now, schedule.at, schedule.zone)
    try:
        with unit_of_work(engine) as session:
            taken = session.exec(
                select(CrosscheckRun.id).where(
                    CrosscheckRun.region == schedule.region, col(CrosscheckRun.created_at) >= due
                )
            ).first()
            if taken is not None:  # another worker queued tonight's run
                return None
            access = operator_access(subject, NATIONAL_PREFIX)
            return request_run(session, access=access, region=schedule.region)
    except Problem as exc:
        logger.info("scheduled cross-check of %s skipped: %s", schedule.region, exc.detail)
        return None


def _reporter(
    claim: Claim, on_progress: Callable[[Claim, str, int], None] | None
) -> Progress | None:
    if on_progress is None:
        return None
    return lambda phase, percent: on_progress(claim, phase, percent)


@dataclass
class WorkerState:
    """What the worker is doing, for its signal handler."""

    busy: bool = False


def serve(
    engine: Engine,
    settings: Settings,
    *,
    worker: str,
    stop: threading.Event,
    schedule: Schedule | None = None,
    exit_when_idle: bool = False,
    state: WorkerState | None = None,
    on_progress: Callable[[Claim, str, int], None] | None = None,
    on_run: Callable[[CrosscheckRun | None], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Claim and carry out runs until `stop` is set (or, with `exit_when_idle`, none is
    left); queue the scheduled run when due. Returns how many runs it carried out."""
    state = state or WorkerState()
    done = 0
    while not stop.is_set():
        claim = None
        try:
            if schedule is not None:
                queue_scheduled(engine, schedule, now=clock(), subject=f"scheduler:{worker}")
            claim = claim_next(engine, worker=worker, settings=settings)
        except SQLAlchemyError:
            logger.exception("the cross-check worker cannot reach the database")
        if claim is None:
            if exit_when_idle:
                break
            stop.wait(settings.crosscheck_poll_seconds)
            continue
        note = _reporter(claim, on_progress)
        state.busy = True
        try:
            outcome = work(engine, claim, settings=settings, progress=note)
        except Shutdown:
            release(engine, claim)
            logger.info("worker %s gave run %s back to the queue", worker, claim.run_id)
            raise
        finally:
            state.busy = False
        done += 1
        if on_run is not None:
            on_run(outcome)
    return done
