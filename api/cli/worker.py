"""`vitalx worker`: carry out queued cross-check runs and queue the nightly run (the
compose `crosscheck` service; `vitalx serve` starts one beside the API)."""

import logging
import signal
import threading
from datetime import datetime, time
from types import FrameType
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from api.cli.options import region_prefix
from api.models.crosscheck_run import CrosscheckRun

if TYPE_CHECKING:
    from api.crosscheck.execution import Claim
    from api.crosscheck.worker import WorkerState

console = Console()


def parse_at(value: str) -> time:
    """Read a time of day `HH:MM` (24-hour clock)."""
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise typer.BadParameter("give a time of day as HH:MM", param_hint="'--at'") from None


def worker(
    at: Annotated[
        str | None,
        typer.Option("--at", help="Nightly run at HH:MM (Asia/Shanghai); default 02:00."),
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region of the nightly run; 000000 is national.")
    ] = "000000",
    no_schedule: Annotated[
        bool, typer.Option("--no-schedule", help="Only carry out queued runs.")
    ] = False,
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="Stop once no run is waiting.")
    ] = False,
) -> None:
    """Claim queued cross-check runs from the database and carry them out, one at a time."""
    from api.config import get_settings
    from api.crosscheck import worker as crosscheck_worker
    from api.db import get_engine

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    niceness = crosscheck_worker.yield_cpu(settings.crosscheck_worker_nice)
    when, region = parse_at(at or settings.crosscheck_schedule), region_prefix(region)
    schedule = None
    if not no_schedule and not exit_when_idle:
        schedule = crosscheck_worker.Schedule(when, ZoneInfo(settings.timezone), region)
    name = crosscheck_worker.worker_name()
    stop, state = threading.Event(), crosscheck_worker.WorkerState()
    _stop_on_signals(stop, state)
    console.print(f"cross-check worker {name} started (niceness {niceness})")
    try:
        crosscheck_worker.serve(
            get_engine(),
            settings,
            worker=name,
            stop=stop,
            schedule=schedule,
            exit_when_idle=exit_when_idle,
            state=state,
            on_progress=_progress,
            on_run=_finished,
        )
    except crosscheck_worker.Shutdown:
        console.print("stopped; the run in progress went back to the queue")
        return
    console.print("cross-check worker stopped")


def _stop_on_signals(stop: threading.Event, state: "WorkerState") -> None:
    """SIGTERM or SIGINT: stop after this run; in a run, give it back to the queue and leave."""
    from api.crosscheck.worker import Shutdown

    def terminate(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if state.busy:
            raise Shutdown(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, terminate)


def _progress(claim: "Claim", phase: str, percent: int) -> None:
    console.print(f"run {claim.run_id}: {phase} {percent}%")


def _finished(run: CrosscheckRun | None) -> None:
    if run is not None:
        console.print(f"run {run.id} {run.status}" + (f": {run.error}" if run.error else ""))


def register(app: typer.Typer) -> None:
    """Add `vitalx worker` to the command line."""
    app.command("worker")(worker)
