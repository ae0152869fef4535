"""Benchmark: reads while a cross-check runs, and a run taken over after its worker dies.

    .venv/bin/python -m bench.crosscheck_under_load --births 200000 --database sqlite
    .venv/bin/python -m bench.crosscheck_under_load --births 200000 --worker-nice 0

For each database: a freshly migrated service database is filled with the synthetic
population of `bench/crosscheck_data.py` (as `bench.crosscheck --end-to-end` fills it),
then `vitalx serve --workers 2` runs on a free loopback port exactly as deployed: two
uvicorn workers of `api.app:create_served_app` and one `vitalx worker` child process.

1. Saturation: `GET /v1/births/{id}` (a maternal-health token, a random population birth
   per request), wrk closed loop, 16 connections; then a paced open-loop run at
   `PACED_SHARE` of that rate, latency from each request's scheduled start: the idle
   anchor.
2. A supervisor's token (health commission, scope crosscheck:run) queues a run of the
   region with `POST /v1/crosscheck/runs`; the same paced load runs in windows of
   `--duration` seconds until the run has succeeded. The figure is the worst window's p99
   (a window that ends after the run still counts), as a ratio to the idle p99 (target
   ≤ 2). The idle load runs once more after the run, to show the machine did not drift.
3. Takeover: another run is queued (a day later, so it cannot reuse the first one's
   result); once it is loading or linking, its worker is killed with SIGKILL. `vitalx
   serve` starts a new worker, which takes the run over once its heartbeat is older than
   `--stale-after` seconds; the times from the kill are printed.
"""

import argparse
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import text

from api.access.policy import Department
from api.cli.server import WORKER_COMMAND
from api.db import build_engine
from bench._common import (
    PROJECT,
    client_token,
    free_port,
    fresh_database,
    server_env,
    temp_workdir,
)
from bench.crosscheck_data import AS_OF, REGION, dataset
from bench.crosscheck_e2e import load_service_database
from bench.load import CONNECTIONS, TIMEOUT_SECONDS, Server
from bench.pyload import Run

SERVE_COMMAND = (*WORKER_COMMAND[:-1], "serve")
PACED_SHARE = 0.5
RATIO_TARGET = 2.0
READ_IDS = 5_000
SEED = 20260301
Json = dict[str, Any]


def read_ids(url: str, path: Path) -> None:
    """Write the ids of live population births the reader's jurisdiction (420000) covers."""
    engine = build_engine(url)
    query = text(
        "SELECT id FROM birth WHERE birth_region LIKE '42%' AND voided_at IS NULL "
        "ORDER BY id LIMIT :n"
    )
    with engine.connect() as connection:
        ids = list(connection.execute(query, {"n": READ_IDS}).scalars())
    engine.dispose()
    path.write_text("\n".join(ids) + "\n", encoding="utf-8")


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"vitalx serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("vitalx serve did not start within 90 s")
        time.sleep(0.2)


@contextmanager
def vitalx_serve(
    url: str, workdir: Path, extra: dict[str, str]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`vitalx serve --workers 2` (API and worker) on a free loopback port; stopped at the end."""
    port = free_port()
    command = [*SERVE_COMMAND, "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    env = server_env(url, workdir) | extra
    with (workdir / "serve.log").open("wb") as log:
        # A session of its own, so that whatever it started can be stopped with it.
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT, stdout=log, stderr=log, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_healthy(base, process)
            yield base, process
        finally:
            process.terminate()  # uvicorn stops its workers, `serve` then its cross-check worker
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            print_failures(workdir / "serve.log")


def print_failures(log: Path) -> None:
    """Count the answers >= 400 in the server's access log, and show its first error line."""
    text = log.read_text(encoding="utf-8", errors="replace")
    codes = Counter(found.group(1) for found in re.finditer(r'HTTP/1\.1" ([45]\d\d)', text))
    first = next((line for line in text.splitlines() if "ERROR" in line), "")
    if codes or first:
        print(f"  server: answers >= 400 {dict(codes)}; first error line: {first[:160]}")


def worker_pid(serve: subprocess.Popen[bytes]) -> int | None:
    """The pid of the `vitalx worker` child of `vitalx serve`, if one is running."""
    for child in psutil.Process(serve.pid).children():
        try:
            if child.cmdline()[-1:] == ["worker"] and child.status() != psutil.STATUS_ZOMBIE:
                return child.pid
        except psutil.Error:
            continue
    return None


class RunClient:
    """Queues runs and reads them back through the API with a supervisor's token."""

    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def queue(self, days_after: int = 0) -> str:
        """Queue a run of the population's region; return its id."""
        as_of = (AS_OF + timedelta(days=days_after)).isoformat()
        answer = self.http.post("/v1/crosscheck/runs", json={"region": REGION, "as_of": as_of})
        answer.raise_for_status()
        run_id: str = answer.json()["id"]
        return run_id

    def read(self, run_id: str) -> Json:
        """The run as the API shows it."""
        answer = self.http.get(f"/v1/crosscheck/runs/{run_id}")
        answer.raise_for_status()
        run: Json = answer.json()
        return run

    def wait(self, run_id: str, until: Callable[[Json], bool], seconds: float = 1800) -> Json:
        """Poll the run every 0.1 s until `until` holds; fail if it fails or time runs out."""
        deadline = time.monotonic() + seconds
        while True:
            run = self.read(run_id)
            if until(run):
                return run
            if run["status"] == "failed":
                raise RuntimeError(f"run {run_id} failed: {run['error']}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run_id} still {run['status']} after {seconds:g} s")
            time.sleep(0.1)


def succeeded(run: Json) -> bool:
    """The run is done."""
    return run["status"] == "succeeded"


def run_seconds(run: Json) -> float:
    """From the worker's claim to success, by the run's own timestamps."""
    finished, started = (datetime.fromisoformat(run[k]) for k in ("finished_at", "started_at"))
    return (finished - started).total_seconds()


class Watch:
    """A thread that follows a run until it has succeeded: when each phase began."""

    def __init__(self, runs: RunClient, run_id: str) -> None:
        self.runs, self.run_id = runs, run_id
        self.started = time.monotonic()
        self.phases: dict[str, float] = {}
        self.run: Json = {}
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _seen(self, run: Json) -> bool:
        self.phases.setdefault(run["progress"]["phase"], time.monotonic() - self.started)
        return succeeded(run)

    def _follow(self) -> None:
        try:
            self.run = self.runs.wait(self.run_id, self._seen)
        except BaseException as exc:  # shown by the main thread, which stops its load
            self.error = exc
        finally:
            self.done.set()


def paced_during_run(
    server: Server, runs: RunClient, rate: float, seconds: float
) -> tuple[list[tuple[float, Run]], Watch]:
    """Queue a run and hold the paced load, window after window, until it has succeeded;
    return each window with its start (seconds after the request) and the run's watch."""
    watch = Watch(runs, runs.queue())
    windows = []
    while not watch.done.is_set():
        began = time.monotonic() - watch.started
        windows.append((began, server.run("get", seconds, CONNECTIONS, rate)))
    if watch.error is not None:
        raise watch.error
    return windows, watch


def takeover(runs: RunClient, serve: subprocess.Popen[bytes]) -> dict[str, float]:
    """Kill the worker in the middle of a run; time its restart, the takeover, the success."""
    run_id = runs.queue(days_after=1)
    runs.wait(run_id, lambda run: run["progress"]["phase"] in ("load", "link", "reconcile"))
    doomed = worker_pid(serve)
    if doomed is None:
        raise RuntimeError("vitalx serve has no worker process")
    phase = runs.read(run_id)["progress"]["phase"]
    os.kill(doomed, signal.SIGKILL)
    killed = time.monotonic()
    while worker_pid(serve) in (None, doomed):
        time.sleep(0.1)
    restarted = time.monotonic()
    runs.wait(run_id, lambda run: run["attempts"] >= 2 and run["status"] == "running")
    taken = time.monotonic()
    run = runs.wait(run_id, succeeded)
    return {
        "killed in phase": float(["load", "link", "reconcile"].index(phase)),
        "new worker": restarted - killed,
        "taken over": taken - killed,
        "succeeded": time.monotonic() - killed,
        "attempts": float(run["attempts"]),
    }


def _ms(run: Run) -> str:
    return f"p50 {run.p50_ms:7.1f} ms   p99 {run.p99_ms:7.1f} ms   {run.rate:5.0f} req/s"


def effective_p99(run: Run) -> float:
    """p99 in ms; a window where over 1% of requests failed or went unanswered for wrk's
    timeout counts as that timeout (wrk measures no latency for a request never answered)."""
    if run.errors > 0.01 * (run.requests + run.errors):
        return max(run.p99_ms, TIMEOUT_SECONDS * 1000)
    return run.p99_ms


def report_load(idle: Run, windows: list[tuple[float, Run]], after: Run, watch: Watch) -> None:
    """Print the idle anchor, every window during the run, and their ratios to the anchor."""
    anchor = idle.p99_ms or float("nan")
    print(f"  idle (anchor)              {_ms(idle)}   errors {idle.errors}")
    for began, window in windows:
        print(
            f"  during run, from {began:5.1f} s  {_ms(window)}   errors {window.errors:<3} "
            f"p99 x{effective_p99(window) / anchor:.2f}"
        )
    print(
        f"  idle after the run         {_ms(after)}   errors {after.errors:<3} "
        f"p99 x{after.p99_ms / anchor:.2f}"
    )
    worst = max(effective_p99(window) for _, window in windows)
    errors = sum(window.errors for _, window in windows)
    verdict = "met" if worst / anchor <= RATIO_TARGET and errors == 0 else "MISSED"
    print(
        f"  worst p99 during the run / idle p99 = {worst:.1f} / {idle.p99_ms:.1f} ms = "
        f"x{worst / anchor:.2f}, errors {errors} (target <= x{RATIO_TARGET:g}, none: {verdict})"
    )
    phases = ", ".join(f"{phase} {at:.1f} s" for phase, at in watch.phases.items())
    print(
        f"  run: {run_seconds(watch.run):.1f} s from claim to success, opened "
        f"{watch.run['opened']:,} discrepancies; phases seen after the request: {phases}"
    )


def report_takeover(figures: dict[str, float], stale_after: float) -> None:
    """Print the takeover's times from the kill."""
    phase = ["load", "link", "reconcile"][int(figures["killed in phase"])]
    print(
        f"  takeover: worker killed (SIGKILL) in phase {phase}; new worker after "
        f"{figures['new worker']:.1f} s, run taken over after {figures['taken over']:.1f} s "
        f"(stale after {stale_after:g} s), succeeded after {figures['succeeded']:.1f} s "
        f"(attempts {figures['attempts']:.0f})"
    )


def worker_settings(stale_after: float, nice: int | None) -> dict[str, str]:
    """The worker's settings for this benchmark: a short stale timeout, maybe a niceness."""
    extra = {
        "VITALX_CROSSCHECK_STALE_AFTER_SECONDS": f"{stale_after:g}",
        "VITALX_CROSSCHECK_HEARTBEAT_SECONDS": f"{stale_after / 6:g}",
    }
    if nice is not None:
        extra["VITALX_CROSSCHECK_WORKER_NICE"] = str(nice)
    return extra


def run(backend: str, args: argparse.Namespace) -> None:
    """One database: load the population, serve it, measure, kill the worker, measure."""
    db, _ = dataset(args.births, True, SEED)
    with temp_workdir() as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        url = stack.enter_context(fresh_database(backend, workdir, "_load"))
        load_service_database(db, url)
        ids = workdir / "ids.txt"
        read_ids(url, ids)
        extra = worker_settings(args.stale_after, args.worker_nice)
        base, serve = stack.enter_context(vitalx_serve(url, workdir, extra))
        reader = client_token(url, base, Department.MATERNAL_HEALTH, "420000")
        runs = RunClient(base, client_token(url, base, Department.HEALTH_COMMISSION, REGION))
        server = Server(f"{base}/v1/births", lambda _: ids, reader)
        server.run("get", 3.0, CONNECTIONS, threads=2)
        saturated = server.run("get", args.duration, CONNECTIONS, threads=2)
        rate = PACED_SHARE * saturated.rate
        print(
            f"\ncross-check under load on {backend}: {args.births:,} births, vitalx serve "
            f"--workers 2 and its worker ({extra}), reads paced at {PACED_SHARE:.0%} of "
            f"{saturated.rate:,.0f} req/s = {rate:,.0f} req/s, {args.duration:g} s windows"
        )
        idle = server.run("get", args.duration, CONNECTIONS, rate)
        windows, watch = paced_during_run(server, runs, rate, args.duration)
        after = server.run("get", args.duration, CONNECTIONS, rate)
        report_load(idle, windows, after, watch)
        report_takeover(takeover(runs, serve), args.stale_after)


def main() -> None:
    """Run the benchmark on the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--births", type=int, default=200_000)
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk window")
    parser.add_argument("--stale-after", type=float, default=20.0, help="heartbeat timeout, s")
    parser.add_argument(
        "--worker-nice", type=int, default=None, help="the worker's niceness (default: setting)"
    )
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        run(backend, args)


if __name__ == "__main__":
    main()
