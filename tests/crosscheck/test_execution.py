"""Carrying out a run: findings reach the worklist once, a failure changes nothing, unchanged
inputs reuse the last results, progress is reported, and a run no longer held is let go."""

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.config import Settings
from api.crosscheck import changes, execution
from api.crosscheck.execution import FAILURE_MESSAGE, Claim, execute
from api.crosscheck.linkage import engine as linkage_engine
from api.crosscheck.linkage import loader
from api.crosscheck.worker import claim_next
from api.crosscheck.worklist import resolve_discrepancy
from api.db import unit_of_work
from api.demo.synthetic import SyntheticData, generate
from api.models import (
    Birth,
    CrosscheckRun,
    Discrepancy,
    FeedEvent,
    HouseholdEntry,
    Marriage,
    Person,
)
from api.models.discrepancy import Resolution
from api.validation import today_in_china
from tests.crosscheck.support import (
    FakeEngine,
    T,
    add_birth,
    clerk,
    finding,
    queue,
    run_in_foreground,
    stand_in_engine,
)


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


def discrepancies(engine: Engine) -> dict[str, Discrepancy]:
    with Session(engine) as session:
        return {d.fingerprint: d for d in session.exec(select(Discrepancy)).all()}


def birth(engine: Engine, **values: Any) -> str:
    with unit_of_work(engine) as session:
        return add_birth(session, **values).id


def test_a_run_records_what_it_found_and_succeeds(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding(T.DUPLICATE_BIRTH_RECORD)]
    phases: list[tuple[str, int]] = []
    outcome = run_in_foreground(
        engine, settings_, as_of=date(2026, 1, 5), progress=lambda p, n: phases.append((p, n))
    )
    assert (outcome.status, outcome.opened, outcome.reused) == ("succeeded", 2, False)
    assert outcome.counts["BIRTH_NOT_REGISTERED"] == 1
    assert outcome.counts["DUPLICATE_BIRTH_RECORD"] == 1
    assert outcome.started_at is not None and outcome.finished_at is not None
    assert (outcome.phase, outcome.percent, outcome.attempts) == ("done", 100, 1)
    assert [p for p, _ in phases] == ["fingerprint", "load", "link", "reconcile", "done"]
    assert [n for _, n in phases] == sorted(n for _, n in phases)
    stored = discrepancies(engine)
    assert {d.first_run_id for d in stored.values()} == {outcome.id}
    assert {d.due_by for d in stored.values()} == {date(2026, 2, 4)}


def test_a_failing_engine_leaves_the_previous_results_intact(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding()]
    first = run_in_foreground(engine, settings_)
    fake.failure = RuntimeError("duckdb: internal detail no caller should see")
    failed = run_in_foreground(engine, settings_)
    assert (failed.status, failed.error) == ("failed", FAILURE_MESSAGE)
    assert failed.finished_at is not None
    kept = discrepancies(engine)
    assert {(d.status, d.last_seen_run_id) for d in kept.values()} == {("open", first.id)}
    fake.failure = None
    assert run_in_foreground(engine, settings_).status == "succeeded"


def test_a_failure_midway_through_the_worklist_update_changes_nothing(
    engine: Engine, settings_: Settings, fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, gone, new = finding(), finding(), finding()
    fake.findings = [kept, gone]
    run_in_foreground(engine, settings_)
    with Session(engine) as session:
        events = session.exec(select(func.count()).select_from(FeedEvent)).one()
    append = changes.append_feed_rows

    def fail_on_close(session: Session, rows: list[dict[str, Any]]) -> None:
        # The new item and the sighting of the kept one are written by now.
        if any(row["type"] == "discrepancy.resolved" for row in rows):
            raise RuntimeError("disk full")
        append(session, rows)

    monkeypatch.setattr(changes, "append_feed_rows", fail_on_close)
    fake.findings = [kept, new]
    assert run_in_foreground(engine, settings_).status == "failed"
    after = discrepancies(engine)
    assert set(after) == {kept.fingerprint, gone.fingerprint}
    assert after[gone.fingerprint].status == "open"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FeedEvent)).one() == events


def test_unchanged_inputs_reuse_the_last_results(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    birth(engine)
    fake.findings = [finding()]
    run_in_foreground(engine, settings_)
    # The first run changed the worklist, so the second looks again; it changes nothing.
    second = run_in_foreground(engine, settings_)
    third = run_in_foreground(engine, settings_)
    assert fake.calls == 2
    assert (third.status, third.reused, third.reused_from) == ("succeeded", True, second.id)
    assert (third.counts, third.unchanged, third.opened) == (second.counts, 1, 0)
    assert run_in_foreground(engine, settings_).reused_from == second.id
    birth(engine)
    assert run_in_foreground(engine, settings_).reused is False
    assert fake.calls == 3


def test_another_day_or_a_hand_resolution_means_looking_again(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    fake.findings = [finding()]
    yesterday = today_in_china() - timedelta(days=1)
    run_in_foreground(engine, settings_, as_of=yesterday)
    run_in_foreground(engine, settings_, as_of=yesterday)
    assert run_in_foreground(engine, settings_, as_of=yesterday).reused is True
    assert run_in_foreground(engine, settings_).reused is False
    with unit_of_work(engine) as session:
        row = session.exec(select(Discrepancy)).one()
        resolve_discrepancy(
            session, row.id, resolution=Resolution.FIXED, note="已更正", access=clerk()
        )
    again = run_in_foreground(engine, settings_)
    assert (again.reused, again.reopened) == (False, 1)


def test_a_run_taken_over_while_it_worked_leaves_the_worklist_alone(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    queued = queue(engine)
    claim = claim_next(engine, worker="slow-worker", settings=settings_)
    assert claim is not None and claim.run_id == queued.id

    def taken_over() -> None:
        with unit_of_work(engine) as session:
            row = session.get(CrosscheckRun, queued.id)
            assert row is not None
            row.claimed_by = "another-worker"
            session.add(row)

    fake.findings, fake.during = [finding()], taken_over
    outcome = execute(engine, claim, settings=settings_)
    assert outcome is not None
    assert (outcome.status, outcome.claimed_by) == ("running", "another-worker")
    assert discrepancies(engine) == {}


def test_a_run_not_held_by_the_worker_is_not_carried_out(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    queued = queue(engine)
    assert execute(engine, Claim(queued.id, "impostor"), settings=settings_) is not None
    assert fake.calls == 0
    claim = claim_next(engine, worker="w", settings=settings_)
    assert claim is not None
    assert execute(engine, claim, settings=settings_).status == "succeeded"  # type: ignore[union-attr]
    assert execute(engine, claim, settings=settings_).status == "succeeded"  # type: ignore[union-attr]
    assert fake.calls == 1


def test_the_engine_reports_an_unregistered_birth(engine: Engine, settings_: Settings) -> None:
    late, recent = birth(engine, days_old=45), birth(engine, days_old=5)
    birth(engine, days_old=45, region="420102")
    outcome = run_in_foreground(engine, settings_)
    assert outcome.status == "succeeded", outcome.error
    subjects = [d.subjects for d in discrepancies(engine).values()]
    assert [{"resource": "births", "id": late}] in subjects
    assert [{"resource": "births", "id": recent}] not in subjects
    assert outcome.counts["BIRTH_NOT_REGISTERED"] == 1


def store(engine: Engine, data: SyntheticData) -> None:
    """Write a synthetic population into the shared tables."""
    kinds: dict[str, tuple[Any, str]] = {
        "person": (Person, "public_security"),
        "birth": (Birth, "maternal_health"),
        "household_entry": (HouseholdEntry, "public_security"),
        "marriage": (Marriage, "civil_affairs"),
    }
    with unit_of_work(engine) as session:
        for table, (model, source) in kinds.items():
            for row in data.iter_rows(table):
                if table == "person":
                    row["jurisdiction_region"] = row["household_region"] or "420200"
                session.add(model(**row, source=source))


def test_a_synthetic_population_gets_the_engines_findings_on_its_worklist(
    engine: Engine, settings_: Settings
) -> None:
    today = today_in_china()
    data = generate(150, seed=11, region_prefix="4202", as_of=today)
    store(engine, data)
    outcome = run_in_foreground(engine, settings_, as_of=today)
    assert outcome.status == "succeeded", outcome.error
    rows = data.rows()
    expected = linkage_engine.link(
        rows["birth"],
        rows["household_entry"],
        rows["person"],
        rows["marriage"],
        as_of=today,
        region_prefix="4202",
    )
    stored = discrepancies(engine)
    assert set(stored) == {f.fingerprint for f in expected}
    assert outcome.opened == len(expected) == sum(outcome.counts.values())
    found = {(d.type, frozenset(s["id"] for s in d.subjects)) for d in stored.values()}
    assert len(found & data.truth) >= 0.9 * len(data.truth)


def test_on_sqlite_a_run_reads_its_inputs_without_holding_the_write_lock(
    engine: Engine, settings_: Settings, fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock, which the API's audited reads need")
    free: list[bool] = []

    def then_write_elsewhere(read: Callable[..., Any]) -> Callable[..., Any]:
        def reading(*args: Any) -> Any:
            got = read(*args)  # its connection still open, as while the run reads on
            other = engine.raw_connection()
            try:
                other.execute("PRAGMA busy_timeout=0")
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                free.append(True)
            except sqlite3.OperationalError:
                free.append(False)
            finally:
                other.close()
            return got

        return reading

    monkeypatch.setattr(loader, "load", then_write_elsewhere(loader.load))
    fingerprint = then_write_elsewhere(execution.input_fingerprint)
    monkeypatch.setattr(execution, "input_fingerprint", fingerprint)
    assert run_in_foreground(engine, settings_).status == "succeeded"
    assert free == [True, True]
