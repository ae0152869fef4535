"""`vitalx audit verify`: recompute the audit hash chains and name the first broken link."""

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

console = Console()


def verify(
    batch: Annotated[int, typer.Option(min=100, max=100_000, help="Events read per query.")] = 5000,
) -> None:
    """Check that no audit event was altered, removed, inserted or reordered."""
    from sqlmodel import Session

    from api.db import get_engine
    from api.journal.audit import count_events, verify_log

    with Session(get_engine()) as session:
        total = count_events(session)
        progress = Progress(
            TextColumn("Verifying the audit log"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=total < batch,
        )
        with progress:
            task = progress.add_task("verify", total=total)
            report = verify_log(session, batch=batch, progress=lambda n: progress.advance(task, n))
    table = Table("chain", "events checked", "state", title="Audit hash chains")
    broken = {link.chain: link for link in report.broken}
    for chain, checked in sorted(report.events_by_chain.items()):
        state = (
            f"[red]broken at event {broken[chain].chain_seq}[/red]"
            if chain in broken
            else "[green]intact[/green]"
        )
        table.add_row(str(chain), str(checked), state)
    console.print(table)
    if report.intact:
        console.print(
            f"[green]Audit log intact: {report.events_checked} events in "
            f"{len(report.events_by_chain)} chains verified.[/green]"
        )
        return
    for link in report.broken:
        console.print(f"[red]{link}[/red]", soft_wrap=True)
    console.print(
        f"[red]Audit log BROKEN: {len(report.broken)} of {len(report.events_by_chain)} chains "
        f"fail ({report.events_checked} events checked).[/red]"
    )
    raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the `audit` command group to the `vitalx` command line."""
    audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
    audit_app.command("verify")(verify)
    app.add_typer(audit_app, name="audit")
