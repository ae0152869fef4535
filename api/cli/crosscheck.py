"""`vitalx crosscheck run` (one run now) and `vitalx crosscheck schedule` (nightly)."""

import getpass
import logging
import socket
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.options import region_prefix
from api.models.crosscheck_run import CrosscheckRun, RunStatus

crosscheck_app = typer.Typer(help="Cross-check (信息比对) runs.", no_args_is_help=True)
console = Console()
logger = logging.getLogger(__name__)

NATIONAL = "000000"
PHASES = {
    "queue": "Queuing the run",
    "fingerprint": "Checking whether the inputs changed",
    "load": "Loading births, household entries, persons and marriages",
    "link": "Linking records",
    "reconcile": "Updating the discrepancy worklist",
}


def register(app: typer.Typer) -> None:
    """Add the `crosscheck` command group to the `vitalx` command line."""
    app.add_typer(crosscheck_app, name="crosscheck")


def _as_of(value: str | None) -> date | None:
    from api.validation import today_in_china

    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("give a date as YYYY-MM-DD", param_hint="'--as-of'") from None
    if day > today_in_china():
        raise typer.BadParameter("must not be in the future", param_hint="'--as-of'")
    return day


def parse_at(value: str) -> time:
    """Read a time of day `HH:MM` (24-hour clock)."""
    try:
        parsed = datetime.strptime(value, "%H:%M")
    except ValueError:
        raise typer.BadParameter("give a time of day as HH:MM", param_hint="'--at'") from None
    return parsed.time()


def next_run_after(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first instant after `now` when the clock in `zone` shows `at`."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


def _operator(kind: str) -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{kind}:{user}@{socket.gethostname()}"


def _show(run: CrosscheckRun) -> None:
    table = Table(title=f"Cross-check {run.id}", show_header=True)
    table.add_column("discrepancy type")
    table.add_column("found", justify="right")
    for name, count in sorted(run.counts.items()):
        table.add_row(name, str(count))
    console.print(table)
    console.print(
        f"region {run.region} as of {run.as_of}: opened {run.opened}, reopened {run.reopened}, "
        f"closed {run.closed}, unchanged {run.unchanged}"
    )
    if run.reused:
        console.print(f"[cyan]Inputs unchanged: results reused from run {run.reused_from}.[/cyan]")


def _run_once(
    region: str, as_of: date | None, subject: str, progress: Callable[[str], None] | None
) -> CrosscheckRun | None:
    from api.config import get_settings
    from api.crosscheck import runs as crosscheck
    from api.db import get_engine

    access = crosscheck.operator_access(subject, NATIONAL)
    return crosscheck.run_now(
        get_engine(),
        access=access,
        settings=get_settings(),
        region=region,
        as_of=as_of,
        progress=progress,
    )


@crosscheck_app.command("run")
def run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to check as of (YYYY-MM-DD); default today.")
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region prefix (GB/T 2260); 000000 is national.")
    ] = NATIONAL,
) -> None:
    """Cross-check a region now and print what was found."""
    from api.errors import Problem

    region, day = region_prefix(region), _as_of(as_of)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(PHASES["queue"], total=len(PHASES) - 1)

        def phase(name: str) -> None:
            progress.update(task, description=PHASES.get(name, name), advance=1)

        try:
            outcome = _run_once(region, day, _operator("cli"), phase)
        except Problem as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(1) from None
    if outcome is None or outcome.status != RunStatus.SUCCEEDED:
        console.print(f"[red]{outcome.error if outcome else 'The run disappeared.'}[/red]")
        raise typer.Exit(1)
    _show(outcome)


def serve_schedule(
    at: time,
    region: str,
    *,
    zone: ZoneInfo,
    sleep: Callable[[float], None] = clock.sleep,
    now: Callable[[], datetime] | None = None,
    runs: int | None = None,
) -> None:
    """Run the cross-check of `region` every day at `at` in `zone`; `runs` bounds the loop."""
    from api.errors import Problem
    from api.models.types import utcnow

    current = now or utcnow
    done = 0
    while runs is None or done < runs:
        due = next_run_after(current(), at, zone)
        console.print(f"next cross-check of region {region} at {due.isoformat()}")
        # Short naps, so that a clock that jumps (NTP, suspend) is noticed.
        while (remaining := (due - current()).total_seconds()) > 0:
            sleep(min(remaining, 60.0))
        try:
            outcome = _run_once(region, None, _operator("scheduler"), None)
        except Problem as exc:
            console.print(f"[yellow]skipped: {exc.detail}[/yellow]")
        except Exception as exc:  # the scheduler outlives a bad night (database down ...)
            logger.exception("the scheduled cross-check could not start")
            console.print(f"[red]the cross-check could not start: {type(exc).__name__}[/red]")
        else:
            if outcome is not None and outcome.status == RunStatus.SUCCEEDED:
                _show(outcome)
            else:
                console.print(f"[red]run failed: {outcome.error if outcome else 'unknown'}[/red]")
        done += 1


@crosscheck_app.command("schedule")
def schedule(
    at: Annotated[
        str | None, typer.Option("--at", help="Time of day HH:MM (Asia/Shanghai); default 02:00.")
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region prefix (GB/T 2260); 000000 is national.")
    ] = NATIONAL,
) -> None:
    """Run the cross-check every day at a fixed time, forever (the `crosscheck` service)."""
    from api.config import get_settings

    settings = get_settings()
    when, region = parse_at(at or settings.crosscheck_schedule), region_prefix(region)
    serve_schedule(when, region, zone=ZoneInfo(settings.timezone))
