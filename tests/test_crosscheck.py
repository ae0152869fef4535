"""Cross-check runs: one per region at a time, stale runs recovered, failures harmless, reuse."""

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.config import Settings
from api.crosscheck import worklist
from api.crosscheck.linkage import engine as linkage_engine
from api.crosscheck.linkage.findings import DiscrepancyType, Finding
from api.crosscheck.runs import (
    FAILURE_MESSAGE,
    STALE_MESSAGE,
    execute_run,
    operator_access,
    request_run,
    run_now,
)
from api.db import unit_of_work
from api.demo.synthetic import SyntheticData, generate
from api.errors import Conflict, Forbidden, InvalidInput
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
from api.models.types import utcnow
from api.validation import today_in_china
from tests.factories import certificate_no, id_number
from tests.test_worklist import clerk, finding

ADMIN = operator_access("test-operator", "000000")


class FakeEngine:
    """Stands in for the linkage engine's `link`: returns set findings, counts its calls."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.calls = 0
        self.failure: Exception | None = None
        self.during: Any = None

    def __call__(
        self,
        *inputs: Any,
        as_of: date,
        region_prefix: str | None = None,
        threads: int | None = None,
    ) -> list[Finding]:
        self.calls += 1
        if self.during is not None:
            self.during()
        if self.failure is not None:
            raise self.failure
        return list(self.findings)


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
    stand_in = FakeEngine()
    monkeypatch.setattr(linkage_engine, "link", stand_in)
    yield stand_in


def queue(
    engine: Engine, settings: Settings, region: str = "420200", as_of: date | None = None
) -> CrosscheckRun:
    with unit_of_work(engine) as session:
        return request_run(session, access=ADMIN, settings=settings, region=region, as_of=as_of)


def run(engine: Engine, settings: Settings, **kwargs: Any) -> CrosscheckRun:
    kwargs.setdefault("region", "420200")
    outcome = run_now(engine, access=ADMIN, settings=settings, **kwargs)
    assert outcome is not None
    return outcome


def discrepancies(engine: Engine) -> dict[str, Discrepancy]:
    with Session(engine) as session:
        return {d.fingerprint: d for d in session.exec(select(Discrepancy)).all()}


def add_birth(engine: Engine, days_old: int = 40, region: str = "420202") -> str:
    born = utcnow() - timedelta(days=days_old)
    with unit_of_work(engine) as session:
        birth = Birth(
            certificate_no=certificate_no(),
            child_sex="female",
            birth_datetime=born,
            birth_region=region,
            mother_id_number=id_number(),
            mother_name="王芳",
            source="maternal_health",
        )
        session.add(birth)
        session.flush()
        return birth.id


def test_a_run_records_what_it_found_and_succeeds(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding(DiscrepancyType.DUPLICATE_BIRTH_RECORD)]
    outcome = run(engine, settings_, as_of=date(2026, 1, 5))
    assert (outcome.status, outcome.opened, outcome.reused) == ("succeeded", 2, False)
    assert outcome.counts["BIRTH_NOT_REGISTERED"] == 1
    assert outcome.counts["DUPLICATE_BIRTH_RECORD"] == 1
    assert outcome.started_at is not None and outcome.finished_at is not None
    stored = discrepancies(engine)
    assert {d.first_run_id for d in stored.values()} == {outcome.id}
    assert {d.due_by for d in stored.values()} == {date(2026, 2, 4)}


def test_a_region_has_one_run_at_a_time(engine: Engine, settings_: Settings) -> None:
    first = queue(engine, settings_)
    with pytest.raises(Conflict) as refused:
        queue(engine, settings_)
    assert refused.value.extra["existing_id"] == first.id
    assert first.id in refused.value.detail
    assert queue(engine, settings_, region="420100").status == "queued"


def test_the_database_itself_allows_one_active_run_per_region(engine: Engine) -> None:
    def insert(status: str) -> None:
        with unit_of_work(engine) as session:
            session.add(
                CrosscheckRun(
                    region="420200",
                    as_of=date(2026, 1, 1),
                    status=status,
                    requested_by="x",
                    requested_department="admin",
                )
            )

    insert("running")
    with pytest.raises(IntegrityError):
        insert("queued")
    insert("succeeded")
    insert("failed")


def test_two_schedulers_racing_for_one_region_start_one_run(
    engine: Engine, settings_: Settings
) -> None:
    together = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            with unit_of_work(engine) as session:
                together.wait()
                request_run(session, access=ADMIN, settings=settings_, region="420200")
                time.sleep(0.2)  # both transactions are open at once
            outcomes.append("queued")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["queued", "refused"]


def test_a_stale_run_is_failed_on_the_next_attempt(engine: Engine, settings_: Settings) -> None:
    silent_since = utcnow() - timedelta(seconds=settings_.crosscheck_stale_after_seconds + 60)
    with unit_of_work(engine) as session:
        dead = CrosscheckRun(
            region="420200",
            as_of=date(2026, 1, 1),
            status="running",
            requested_by="x",
            requested_department="admin",
            started_at=silent_since,
            updated_at=silent_since,
        )
        session.add(dead)
    fresh = queue(engine, settings_)
    with Session(engine) as session:
        dead_now = session.get(CrosscheckRun, dead.id)
        assert dead_now is not None
        assert (dead_now.status, dead_now.error) == ("failed", STALE_MESSAGE)
        assert dead_now.finished_at is not None
    assert fresh.status == "queued"


def test_a_run_that_is_alive_keeps_blocking(engine: Engine, settings_: Settings) -> None:
    with unit_of_work(engine) as session:
        session.add(
            CrosscheckRun(
                region="420200",
                as_of=date(2026, 1, 1),
                status="running",
                requested_by="x",
                requested_department="admin",
            )
        )
    with pytest.raises(Conflict):
        queue(engine, settings_)


def test_a_failing_engine_leaves_the_previous_results_intact(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    fake.findings = [finding(), finding()]
    first = run(engine, settings_)
    fake.failure = RuntimeError("duckdb: internal detail no caller should see")
    failed = run(engine, settings_)
    assert (failed.status, failed.error) == ("failed", FAILURE_MESSAGE)
    assert failed.finished_at is not None
    kept = discrepancies(engine)
    assert {(d.status, d.last_seen_run_id) for d in kept.values()} == {("open", first.id)}
    fake.failure = None
    assert run(engine, settings_).status == "succeeded"


def test_a_failure_midway_through_the_worklist_update_changes_nothing(
    engine: Engine, settings_: Settings, fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, gone, new = finding(), finding(), finding()
    fake.findings = [kept, gone]
    run(engine, settings_)
    with Session(engine) as session:
        events = session.exec(select(func.count()).select_from(FeedEvent)).one()
    announce = worklist._announce

    def fail_on_close(session: Session, event_type: str, row: Discrepancy) -> None:
        if event_type == "discrepancy.resolved":
            raise RuntimeError("disk full")
        announce(session, event_type, row)

    monkeypatch.setattr(worklist, "_announce", fail_on_close)
    fake.findings = [kept, new]
    assert run(engine, settings_).status == "failed"
    after = discrepancies(engine)
    assert set(after) == {kept.fingerprint, gone.fingerprint}
    assert after[gone.fingerprint].status == "open"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FeedEvent)).one() == events


def test_unchanged_inputs_reuse_the_last_results(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    add_birth(engine)
    fake.findings = [finding()]
    run(engine, settings_)
    # The first run changed the worklist, so the second looks again; it changes nothing.
    second = run(engine, settings_)
    third = run(engine, settings_)
    assert fake.calls == 2
    assert (third.status, third.reused, third.reused_from) == ("succeeded", True, second.id)
    assert (third.counts, third.unchanged, third.opened) == (second.counts, 1, 0)
    assert run(engine, settings_).reused_from == second.id
    add_birth(engine)
    assert run(engine, settings_).reused is False
    assert fake.calls == 3


def test_another_day_or_a_hand_resolution_means_looking_again(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    item = finding()
    fake.findings = [item]
    run(engine, settings_)
    run(engine, settings_)
    assert run(engine, settings_).reused is True
    yesterday = today_in_china() - timedelta(days=1)
    assert run(engine, settings_, as_of=yesterday).reused is False
    with unit_of_work(engine) as session:
        row = session.exec(select(Discrepancy)).one()
        worklist.resolve_discrepancy(
            session, row.id, resolution=Resolution.FIXED, note="已更正", access=clerk()
        )
    again = run(engine, settings_)
    assert (again.reused, again.reopened) == (False, 1)


def test_a_run_failed_as_stale_while_it_worked_leaves_the_worklist_alone(
    engine: Engine, settings_: Settings, fake: FakeEngine
) -> None:
    queued = queue(engine, settings_)

    def declared_dead() -> None:
        with unit_of_work(engine) as session:
            row = session.get(CrosscheckRun, queued.id)
            assert row is not None
            row.status, row.error = "failed", STALE_MESSAGE
            session.add(row)

    fake.findings, fake.during = [finding()], declared_dead
    outcome = execute_run(engine, queued.id, settings=settings_)
    assert outcome is not None
    assert (outcome.status, outcome.error) == ("failed", STALE_MESSAGE)
    assert discrepancies(engine) == {}


def test_a_run_is_executed_once(engine: Engine, settings_: Settings, fake: FakeEngine) -> None:
    queued = queue(engine, settings_)
    execute_run(engine, queued.id, settings=settings_)
    execute_run(engine, queued.id, settings=settings_)
    assert fake.calls == 1


def test_a_region_outside_the_jurisdiction_or_a_future_day_is_refused(
    engine: Engine, settings_: Settings
) -> None:
    with unit_of_work(engine) as session, pytest.raises(Forbidden) as refused:
        request_run(session, access=clerk("420200"), settings=settings_, region="420100")
    assert "420100" in refused.value.detail
    with unit_of_work(engine) as session, pytest.raises(InvalidInput):
        request_run(
            session, access=ADMIN, settings=settings_, as_of=today_in_china() + timedelta(days=1)
        )


def test_the_engine_reports_an_unregistered_birth(engine: Engine, settings_: Settings) -> None:
    late, recent = add_birth(engine, days_old=45), add_birth(engine, days_old=5)
    add_birth(engine, days_old=45, region="420102")
    outcome = run(engine, settings_)
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
    outcome = run(engine, settings_, as_of=today)
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
