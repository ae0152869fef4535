"""`vitalx crosscheck run` (in the foreground, with a progress bar) and `crosscheck status`."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from api.config import Settings
from api.db import get_engine
from api.validation import today_in_china
from tests.crosscheck.support import FakeEngine, T, finding, queue, stand_in_engine

runner = CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    yield stand_in_engine(monkeypatch)


def test_crosscheck_run_prints_what_it_found(env_settings: Settings, fake: FakeEngine) -> None:
    fake.findings = [finding(), finding(T.DUPLICATE_PERSON, ("persons", "p1"), ("persons", "p2"))]
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
        ["--as-of", "0"],
        ["--as-of", (today_in_china() + timedelta(days=1)).isoformat()],
        ["--region", "4202"],
        ["--region", "999999"],
    ],
)
def test_crosscheck_run_refuses_bad_options(env_settings: Settings, args: list[str]) -> None:
    result = runner.invoke(cli, ["crosscheck", "run", *args])
    assert result.exit_code == 2, result.output


def test_a_day_before_the_last_successful_run_is_refused(
    env_settings: Settings, fake: FakeEngine
) -> None:
    assert runner.invoke(cli, ["crosscheck", "run", "--as-of", "2026-01-05"]).exit_code == 0
    result = runner.invoke(cli, ["crosscheck", "run", "--as-of", "2026-01-04"])
    assert result.exit_code == 1
    assert "2026-01-05" in result.stdout


def test_a_run_in_progress_is_named_and_exits_1(env_settings: Settings) -> None:
    running = queue(get_engine(), region="420200")
    result = runner.invoke(cli, ["crosscheck", "run", "--region", "420200"])
    assert result.exit_code == 1
    assert running.id in result.stdout


def test_a_failed_run_exits_1(env_settings: Settings, fake: FakeEngine) -> None:
    fake.failure = RuntimeError("boom")
    result = runner.invoke(cli, ["crosscheck", "run"])
    assert result.exit_code == 1
    assert "previous results stand" in result.stdout


def test_status_shows_a_runs_progress(env_settings: Settings, fake: FakeEngine) -> None:
    queued = queue(get_engine(), region="420200")
    result = runner.invoke(cli, ["crosscheck", "status", queued.id])
    assert result.exit_code == 0, result.output
    assert "queued" in result.stdout and "Waiting for a worker 0%" in result.stdout
    assert runner.invoke(cli, ["crosscheck", "status", "no-such-run"]).exit_code == 1
