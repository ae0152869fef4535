"""The worker: it claims each queued run once, takes over the runs of dead workers, beats its
heart, gives a run back when told to stop, queues the nightly run once, and yields the CPU."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.config import Settings
from api.crosscheck import worker as crosscheck_worker
from api.crosscheck.execution import Claim, execute
from api.crosscheck.worker import (
    ABANDONED_MESSAGE,
    Heartbeat,
    Schedule,
    Shutdown,
    claim_next,
    next_run_after,
    queue_scheduled,
    release,
    serve,
)
from api.db import unit_of_work
from api.models import CrosscheckRun
from api.models.types import utcnow
from tests.crosscheck.support import (
    ROOT,
    FakeEngine,
    finding,
    queue,
    stand_in_engine,
    worker_environment,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    db: Engine = app.state.engine
    return db


@pytest.fixture
def settings_(app: FastAPI) -> Settings:
    configured: Settings = app.state.settings
    return configured


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    yield stand_in_engine(monkeypatch)


def read(engine: Engine, run_id: str) -> CrosscheckRun:
    with Session(engine) as session:
        run = session.get(CrosscheckRun, run_id)
        assert run is not None
        return run


def silence(engine: Engine, run_id: str, seconds: float) -> None:
    """Make a run's worker look silent for `seconds`."""
    with unit_of_work(engine) as session:
        run = session.get(CrosscheckRun, run_id)
        assert run is not None
        run.heartbeat_at = run.updated_at = utcnow() - timedelta(seconds=seconds)
        session.add(run)


def test_the_oldest_queued_run_is_claimed_once(engine: Engine, settings_: Settings) -> None:
    first, second = queue(engine, region="420200"), queue(engine, region="420100")
    claim = claim_next(engine, worker="w1", settings=settings_)
    assert claim == Claim(first.id, "w1")
    run = read(engine, first.id)
    assert (run.status, run.claimed_by, run.attempts, run.phase) == ("running", "w1", 1, "starting")
    assert run.started_at is not None and run.heartbeat_at is not None
    assert claim_next(engine, worker="w2", settings=settings_) == Claim(second.id, "w2")
    assert claim_next(engine, worker="w3", settings=settings_) is None


def test_workers_racing_for_one_run_claim_it_once(engine: Engine, settings_: Settings) -> None:
    queued = queue(engine)
    together = threading.Barrier(4)
    claims: list[Claim | None] = []

    def attempt(name: str) -> None:
        together.wait()
        claims.append(claim_next(engine, worker=name, settings=settings_))

    threads = [threading.Thread(target=attempt, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [c for c in claims if c is not None]
    assert len(claims) == 4 and len(won) == 1 and won[0].run_id == queued.id
    assert read(engine, queued.id).claimed_by == won[0].worker


def test_a_silent_workers_run_is_taken_over_after_the_stale_timeout(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    queued = queue(engine)
    dead = claim_next(engine, worker="dead", settings=settings_)
    assert dead is not None
    silence(engine, queued.id, settings_.crosscheck_stale_after_seconds - 5)
    assert claim_next(engine, worker="rescuer", settings=settings_) is None  # not yet
    silence(engine, queued.id, settings_.crosscheck_stale_after_seconds + 1)
    rescue = claim_next(engine, worker="rescuer", settings=settings_)
    assert rescue == Claim(queued.id, "rescuer")
    assert read(engine, queued.id).attempts == 2
    fake.findings = [finding()]
    assert execute(engine, rescue, settings=settings_).status == "succeeded"  # type: ignore[union-attr]
    # The dead worker, should it wake up, finds the run is no longer its own.
    assert execute(engine, dead, settings=settings_).claimed_by == "rescuer"  # type: ignore[union-attr]
    assert fake.calls == 1


def test_a_run_whose_workers_keep_dying_is_failed(engine: Engine, settings_: Settings) -> None:
    queued = queue(engine)
    for attempt in range(settings_.crosscheck_max_attempts):
        assert claim_next(engine, worker=f"w{attempt}", settings=settings_) is not None
        silence(engine, queued.id, settings_.crosscheck_stale_after_seconds + 1)
    assert claim_next(engine, worker="last", settings=settings_) is None
    run = read(engine, queued.id)
    assert run.status == "failed"
    assert run.error == ABANDONED_MESSAGE.format(n=settings_.crosscheck_max_attempts)
    assert queue(engine).status == "queued"  # the region is free again


def test_a_released_run_goes_back_to_the_queue(engine: Engine, settings_: Settings) -> None:
    queued = queue(engine)
    claim = claim_next(engine, worker="w1", settings=settings_)
    assert claim is not None
    release(engine, Claim(queued.id, "someone-else"))  # not theirs to release
    assert read(engine, queued.id).status == "running"
    release(engine, claim)
    run = read(engine, queued.id)
    assert (run.status, run.claimed_by, run.phase) == ("queued", None, None)
    assert claim_next(engine, worker="w2", settings=settings_) == Claim(queued.id, "w2")


def test_the_heartbeat_keeps_a_run_alive_and_notices_when_it_is_lost(
    engine: Engine, settings_: Settings
) -> None:
    queued = queue(engine)
    claim = claim_next(engine, worker="w1", settings=settings_)
    assert claim is not None
    silence(engine, queued.id, 30)
    with Heartbeat(engine, claim, every=0.05) as heart:
        deadline = utcnow() + timedelta(seconds=10)
        while read(engine, queued.id).heartbeat_at < utcnow() - timedelta(seconds=5):  # type: ignore[operator]
            assert utcnow() < deadline
            threading.Event().wait(0.05)
        release(engine, claim)
        assert heart.lost.wait(10)


def test_a_worker_told_to_stop_mid_run_gives_the_run_back(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    queued = queue(engine)

    def stopped() -> None:
        raise Shutdown(15)

    fake.during = stopped
    with pytest.raises(Shutdown):
        serve(engine, settings_, worker="w1", stop=threading.Event(), exit_when_idle=True)
    run = read(engine, queued.id)
    assert (run.status, run.claimed_by) == ("queued", None)


def test_a_worker_carries_out_every_queued_run(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    first, second = queue(engine, region="420200"), queue(engine, region="430100")
    fake.findings = [finding()]
    seen: list[str] = []
    done = serve(
        engine,
        settings_,
        worker="w1",
        stop=threading.Event(),
        exit_when_idle=True,
        on_run=lambda run: seen.append(run.id if run else ""),
    )
    assert done == 2 and seen == [first.id, second.id]
    assert {read(engine, r.id).status for r in (first, second)} == {"succeeded"}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 1, 1, 0, tzinfo=SHANGHAI), datetime(2026, 3, 1, 2, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 3, 1, 2, 0, tzinfo=SHANGHAI), datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)),
        (datetime(2026, 3, 1, 23, 0, tzinfo=SHANGHAI), datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)),
        # 17:30 UTC is already 01:30 the next day in Shanghai.
        (datetime(2026, 3, 1, 17, 30, tzinfo=UTC), datetime(2026, 3, 2, 2, 0, tzinfo=SHANGHAI)),
    ],
)
def test_the_nightly_run_is_at_the_next_two_oclock_in_shanghai(
    now: datetime, expected: datetime
) -> None:
    assert next_run_after(now, time(2, 0), SHANGHAI) == expected


def test_the_nightly_run_is_queued_once_when_its_time_comes(engine: Engine) -> None:
    night = utcnow().astimezone(SHANGHAI) + timedelta(minutes=1)
    mine = Schedule(night.time().replace(second=0, microsecond=0), SHANGHAI, "420200")
    theirs = Schedule(mine.at, SHANGHAI, "420200")
    before = night - timedelta(minutes=2)
    for schedule in (mine, theirs):
        assert queue_scheduled(engine, schedule, now=before, subject="scheduler:w") is None
    assert mine.due is not None
    after = mine.due + timedelta(seconds=1)
    run = queue_scheduled(engine, mine, now=after, subject="scheduler:w1")
    assert run is not None and run.requested_by == "scheduler:w1" and run.region == "420200"
    # Another worker's schedule comes due too: tonight's run is already queued.
    assert queue_scheduled(engine, theirs, now=after, subject="scheduler:w2") is None
    assert mine.due > after
    with Session(engine) as session:
        assert len(session.exec(select(CrosscheckRun)).all()) == 1


def test_the_nightly_run_is_skipped_while_the_region_is_busy(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    busy = queue(engine, region="420200")
    schedule = Schedule(time(2, 0), SHANGHAI, "420200", due=utcnow() - timedelta(hours=1))
    # The busy run was queued after the due time, so it counts as tonight's.
    assert queue_scheduled(engine, schedule, now=utcnow(), subject="scheduler:w") is None
    with unit_of_work(engine) as session:
        row = session.get(CrosscheckRun, busy.id)
        assert row is not None
        row.created_at = utcnow() - timedelta(hours=2)
        session.add(row)
    schedule.due = utcnow() - timedelta(hours=1)
    with caplog.at_level("INFO", logger=crosscheck_worker.logger.name):
        assert queue_scheduled(engine, schedule, now=utcnow(), subject="scheduler:w") is None
    assert "skipped" in caplog.text


def niceness_of_threads(pid: int) -> set[int]:
    """The niceness of every thread of a process (field 19 of /proc/<pid>/task/<tid>/stat)."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat", encoding="ascii") as stat:
            found.add(int(stat.read().rsplit(")", 1)[1].split()[16]))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("started_at", "configured", "expected"), [(0, 7, 7), (12, 7, 12)])
def test_the_worker_process_lowers_its_priority_to_the_configured_niceness(
    settings: Settings, started_at: int, configured: int, expected: int
) -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    env = worker_environment(settings) | {"VITALX_CROSSCHECK_WORKER_NICE": str(base + configured)}
    command = [sys.executable, "-c", "from api.cli.main import app; app()", "worker"]
    # An administrator may start it nicer still (`nice -n 12 vitalx worker`): that stays.
    process = subprocess.Popen(
        [*command, "--no-schedule"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        preexec_fn=lambda: os.nice(started_at),
    )
    try:
        assert process.stdout is not None
        output = b""
        while b"started" not in output:  # it has set its niceness and polls the queue
            line = process.stdout.readline()
            assert line, f"the worker exited: {output!r}"
            output += line
        assert niceness_of_threads(process.pid) == {base + expected}
    finally:
        process.terminate()
        process.wait(timeout=30)
