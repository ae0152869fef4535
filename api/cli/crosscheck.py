"""`vitalx crosscheck run` (one run now, in the foreground, with a progress bar) and
`vitalx crosscheck status` (a run's progress); the nightly schedule is `vitalx worker`'s."""

import getpass
import socket
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from api.cli.options import region_prefix
from api.models.crosscheck_run import CrosscheckRun, RunStatus, progress_of

crosscheck_app = typer.Typer(help="Cross-check (信息比对) runs.", no_args_is_help=True)
console = Console()

NATIONAL = "000000"
PHASES = {
    "queued": "Waiting for a worker",
    "starting": "Starting",
    "fingerprint": "Checking whether the inputs changed",
    "load": "Loading births, household entries, persons and marriages",
    "link": "Linking records",
    "reconcile": "Updating the discrepancy worklist",
    "done": "Done",
    "failed": "Failed",
}


def register(app: typer.Typer) -> None:
    """Add the `crosscheck` command group to the `vitalx` command line."""
    app.add_typer(crosscheck_app, name="crosscheck")


def _as_of(value: str | None) -> date | None:
    from api.validation import today_in_china
    from api.validation.dates import parse_day

    if value is None:
        return None
    try:
        day = parse_day(value)
        assert isinstance(day, date)
    except ValueError:
        raise typer.BadParameter("give a date as YYYY-MM-DD", param_hint="'--as-of'") from None
    if day > today_in_china():
        raise typer.BadParameter("must not be in the future", param_hint="'--as-of'")
    return day


def operator(kind: str) -> str:
    """Who acts at this command line: `cli:user@host`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{kind}:{user}@{socket.gethostname()}"


def show(run: CrosscheckRun) -> None:
    """Print what a finished run found."""
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


def progress_bar() -> Progress:
    """The bar long commands show: phase, bar, percentage, time."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=True)


@crosscheck_app.command("run")
def run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to check as of (YYYY-MM-DD); default today.")
    ] = None,
    region: Annotated[
        str, typer.Option("--region", help="Region prefix (GB/T 2260); 000000 is national.")
    ] = NATIONAL,
) -> None:
    """Cross-check a region now, in this process, and print what was found."""
    from api.config import get_settings
    from api.crosscheck.runs import operator_access
    from api.crosscheck.worker import run_now
    from api.db import get_engine
    from api.errors import Problem

    region, day = region_prefix(region), _as_of(as_of)
    with progress_bar() as bar:
        task = bar.add_task(PHASES["starting"], total=100)

        def phase(name: str, percent: int) -> None:
            bar.update(task, description=PHASES.get(name, name), completed=percent)

        try:
            outcome = run_now(
                get_engine(),
                access=operator_access(operator("cli"), NATIONAL),
                settings=get_settings(),
                region=region,
                as_of=day,
                progress=phase,
            )
        except Problem as exc:
            console.print(f"[red]{exc.detail}[/red]")
            raise typer.Exit(1) from None
    if outcome is None or outcome.status != RunStatus.SUCCEEDED:
        console.print(f"[red]{outcome.error if outcome else 'The run disappeared.'}[/red]")
        raise typer.Exit(1)
    show(outcome)


@crosscheck_app.command("status")
def status(run_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Show a run's status and progress."""
    from sqlmodel import Session

    from api.db import get_engine

    with Session(get_engine()) as session:
        found = session.get(CrosscheckRun, run_id)
    if found is None:
        console.print("[red]No cross-check run with this id.[/red]")
        raise typer.Exit(1)
    shown = progress_of(found)
    console.print(
        f"run {found.id}: region {found.region} as of {found.as_of}, {found.status}, "
        f"{PHASES.get(shown.phase, shown.phase)} {shown.percent}%"
    )
    if found.status == RunStatus.SUCCEEDED:
        show(found)
    elif found.error:
        console.print(f"[red]{found.error}[/red]")


@crosscheck_app.command("schedule", hidden=True)
def schedule(
    at: Annotated[str | None, typer.Option("--at", help="Time of day HH:MM.")] = None,
    region: Annotated[str, typer.Option("--region", help="Region prefix.")] = NATIONAL,
) -> None:
    """Deprecated: `vitalx worker` runs the nightly schedule (and the queued runs)."""
    from api.cli.worker import worker

    worker(at=at, region=region, no_schedule=False, exit_when_idle=False)
