"""`vitalx serve` starts one cross-check worker process beside the API, unless --no-worker."""

import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import server
from api.cli.main import app as cli

runner = CliRunner()


class Recorder:
    """Stands in for uvicorn.run and the worker process."""

    def __init__(self) -> None:
        self.served: list[dict[str, Any]] = []
        self.workers: list[FakeWorker] = []


class FakeWorker:
    def __init__(self, recorder: Recorder) -> None:
        self.started = self.stopped = False
        recorder.workers.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    import uvicorn

    seen = Recorder()
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.served.append(kwargs))
    monkeypatch.setattr(server, "WorkerProcess", lambda: FakeWorker(seen))
    return seen


def test_serve_starts_a_worker_beside_the_api_and_stops_it_after(recorder: Recorder) -> None:
    result = runner.invoke(cli, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert recorder.served[0]["port"] == 8123
    assert [(w.started, w.stopped) for w in recorder.workers] == [(True, True)]
    assert "cross-check worker started" in result.stdout


def test_serve_without_a_worker(recorder: Recorder) -> None:
    result = runner.invoke(cli, ["serve", "--no-worker"])
    assert result.exit_code == 0, result.output
    assert recorder.served and recorder.workers == []


def test_the_worker_process_is_restarted_if_it_dies_and_stopped_with_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "RESTART_DELAY_SECONDS", 0.2)
    command = (sys.executable, "-c", "import time; time.sleep(60)")
    worker = server.WorkerProcess(command)
    worker.start()
    try:
        first = worker.process
        assert first is not None and first.poll() is None
        first.kill()
        first.wait()
        for _ in range(100):
            if worker.process is not first:
                break
            worker._stopping.wait(0.1)
        assert worker.process is not first and worker.process.poll() is None  # type: ignore[union-attr]
    finally:
        worker.stop()
    assert worker.process.poll() is not None  # type: ignore[union-attr]


def test_the_worker_command_is_the_cli_worker() -> None:
    assert server.WORKER_COMMAND[0] == sys.executable
    assert server.WORKER_COMMAND[-1] == "worker"
    done = subprocess.run(
        [*server.WORKER_COMMAND, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "--exit-when-idle" in done.stdout
