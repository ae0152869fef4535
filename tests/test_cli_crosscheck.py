"""`vitalx crosscheck run` and `vitalx crosscheck schedule`."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.crosscheck import next_run_after, serve_schedule
from api.cli.main import app as cli
from api.config import Settings
from api.crosscheck.linkage import engine as linkage_engine
from api.crosscheck.linkage.findings import DiscrepancyType
from api.db import get_engine
from api.models import CrosscheckRun
from api.validation import today_in_china
from tests.test_crosscheck import FakeEngine, queue
from tests.test_worklist import finding

runner = CliRunner()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    stand_in = FakeEngine()
    monkeypatch.setattr(linkage_engine, "link", stand_in)
    yield stand_in


def test_crosscheck_run_prints_what_it_found(env_settings: Settings, fake: FakeEngine) -> None:
    fake.findings = [
        finding(),
        finding(DiscrepancyType.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2")),
    ]
    result = runner.invoke(
        cli, ["crosscheck", "run", "--region", "420200", "--as-of", "2026-01-05"]
    )
    assert result.exit_code == 0, result.output
    assert "BIRTH_NOT_REGISTERED" in result.stdout and "DUPLICATE_PERSON" in result.stdout
    assert "region 420200 as of 2026-01-05: opened 2, reopened 0, closed 0" in result.stdout


def test_crosscheck_run_says_when_it_reused_the_last_results(
    env_settings: Settings, fake: FakeEngine
) -> None:
    for _ in range(2):
        assert runner.invoke(cli, ["crosscheck", "run"]).exit_code == 0
    result = runner.invoke(cli, ["crosscheck", "run"])
    assert result.exit_code == 0, result.output
    assert "results reused from run" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--as-of", "2026-13-01"],
        ["--as-of", (today_in_china() + timedelta(days=1)).isoformat()],
        ["--region", "4202"],
        ["--region", "999999"],
    ],
)
def test_crosscheck_run_refuses_bad_options(env_settings: Settings, args: list[str]) -> None:
    result = runner.invoke(cli, ["crosscheck", "run", *args])
    assert result.exit_code == 2, result.output


def test_a_run_in_progress_is_named_and_exits_1(env_settings: Settings) -> None:
    running = queue(get_engine(), env_settings, region="420200")
    result = runner.invoke(cli, ["crosscheck", "run", "--region", "420200"])
    assert result.exit_code == 1
    assert running.id in result.stdout


def test_a_failed_run_exits_1(env_settings: Settings, fake: FakeEngine) -> None:
    fake.failure = RuntimeError("boom")
    result = runner.invoke(cli, ["crosscheck", "run"])
    assert result.exit_code == 1
    assert "previous results stand" in result.stdout


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
def test_the_schedule_runs_at_the_next_two_oclock_in_shanghai(
    now: datetime, expected: datetime
) -> None:
    assert next_run_after(now, time(2, 0), SHANGHAI) == expected


def test_schedule_refuses_a_time_that_is_not_one(env_settings: Settings) -> None:
    result = runner.invoke(cli, ["crosscheck", "schedule", "--at", "25:00"])
    assert result.exit_code == 2


class FakeClock:
    """A clock that moves only when the scheduler sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_the_scheduler_waits_for_its_time_then_runs(
    env_settings: Settings, fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(datetime(2026, 3, 1, 1, 58, tzinfo=SHANGHAI))
    serve_schedule(time(2, 0), "420200", zone=SHANGHAI, sleep=clock.sleep, now=clock, runs=1)
    assert sum(clock.slept) == 120 and max(clock.slept) <= 60
    assert fake.calls == 1
    with Session(get_engine()) as session:
        run = session.exec(select(CrosscheckRun)).one()
    assert (run.status, run.region, run.requested_by.startswith("scheduler:")) == (
        "succeeded",
        "420200",
        True,
    )
    assert (
        "next cross-check of region 420200 at 2026-03-01T02:00:00+08:00" in capsys.readouterr().out
    )


def test_the_scheduler_skips_a_night_when_another_machine_is_running(
    env_settings: Settings, fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    queue(get_engine(), env_settings, region="420200")
    clock = FakeClock(datetime(2026, 3, 1, 1, 59, tzinfo=SHANGHAI))
    serve_schedule(time(2, 0), "420200", zone=SHANGHAI, sleep=clock.sleep, now=clock, runs=1)
    assert fake.calls == 0
    assert "skipped" in capsys.readouterr().out
