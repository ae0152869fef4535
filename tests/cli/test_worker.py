"""`vitalx worker` as a real process: it carries out a run queued through the API while the
API keeps answering, and a run whose worker is killed (kill -9) is taken over by another."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli.main import app as cli
from api.config import Settings
from api.demo.synthetic import generate
from api.models import CrosscheckRun
from api.validation import today_in_china
from tests.crosscheck.support import ROOT, queue, worker_environment
from tests.crosscheck.test_execution import store

WORKER = [sys.executable, "-c", "from api.cli.main import app; app()", "worker", "--no-schedule"]
SLOW_WORKER = [sys.executable, "-m", "tests.cli.slow_worker"]
Headers = Callable[..., dict[str, str]]


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Worker processes started by a test, stopped (by their pid) when it ends."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def start(command: list[str], settings: Settings, started: list[Any]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=worker_environment(settings), stdout=subprocess.DEVNULL
    )
    started.append(process)
    return process


def read(engine: Engine, run_id: str) -> CrosscheckRun:
    with Session(engine) as session:
        run = session.get(CrosscheckRun, run_id)
        assert run is not None
        return run


def wait_for(check: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def p99(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def test_a_run_started_through_the_api_completes_while_the_api_answers_reads(
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    auth_headers: Headers,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    store(app.state.engine, generate(400, seed=7, region_prefix="4202", as_of=today_in_china()))
    headers = auth_headers("health_commission")
    accepted = client.post("/v1/crosscheck/runs", json={}, headers=headers)
    assert accepted.status_code == 202, accepted.text
    url = f"/v1/crosscheck/runs/{accepted.json()['id']}"

    def read() -> tuple[dict[str, Any], list[int], float]:
        started = time.perf_counter()
        run = client.get(url, headers=headers)
        listed = client.get("/v1/discrepancies?limit=5", headers=headers)
        return run.json(), [run.status_code, listed.status_code], time.perf_counter() - started

    idle = [read()[2] for _ in range(20)]
    assert read()[0]["progress"] == {"phase": "queued", "percent": 0}
    start(WORKER, settings, processes)
    answers, phases, busy = [], [], []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run, codes, took = read()
        answers += codes
        phases.append(run["progress"]["phase"])
        busy.append(took)
        if run["status"] in ("succeeded", "failed"):
            break
    shown = client.get(url, headers=headers).json()
    assert (shown["status"], shown["progress"], shown["error"]) == (
        "succeeded",
        {"phase": "done", "percent": 100},
        None,
    )
    assert shown["opened"] > 0
    assert set(answers) == {200}
    assert phases[0] in ("queued", "starting", "fingerprint") and phases[-1] == "done"
    # Reads stay quick while the worker links and writes (a floor for a busy shared machine).
    print(f"read p99 idle {p99(idle) * 1000:.0f} ms, during the run {p99(busy) * 1000:.0f} ms")
    assert p99(busy) <= max(2 * p99(idle), 2.0)


def test_a_killed_workers_run_is_taken_over_by_another(
    app: FastAPI, settings: Settings, processes: list[subprocess.Popen[bytes]]
) -> None:
    engine: Engine = app.state.engine
    queued = queue(engine)
    doomed = start(SLOW_WORKER, settings, processes)
    wait_for(lambda: read(engine, queued.id).phase == "link")
    first = read(engine, queued.id).claimed_by
    assert first is not None and f":{doomed.pid}:" in first
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    start(WORKER, settings, processes)
    wait_for(lambda: read(engine, queued.id).status in ("succeeded", "failed"))
    run = read(engine, queued.id)
    assert (run.status, run.attempts, run.error) == ("succeeded", 2, None)
    assert run.claimed_by is not None and run.claimed_by != first


def test_a_worker_stopped_mid_run_gives_the_run_back(
    app: FastAPI, settings: Settings, processes: list[subprocess.Popen[bytes]]
) -> None:
    engine: Engine = app.state.engine
    queued = queue(engine)
    slow = start(SLOW_WORKER, settings, processes)
    wait_for(lambda: read(engine, queued.id).phase == "link")
    slow.send_signal(signal.SIGTERM)
    assert slow.wait(timeout=30) == 0
    run = read(engine, queued.id)
    assert (run.status, run.claimed_by) == ("queued", None)


def test_worker_refuses_a_time_that_is_not_one(env_settings: Settings) -> None:
    result = CliRunner().invoke(cli, ["worker", "--at", "25:00"])
    assert result.exit_code == 2
