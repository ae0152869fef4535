"""`vitalx import RESOURCE FILE`: the bulk NDJSON import of the API, run on the server.

The command acts as a built-in system principal: department `admin` with the national
jurisdiction `000000`, for the default purpose of the department that owns the resource
(births and ultrasound exams: birth-registration; household entries and persons:
household-registration; marriages: marriage-registration). The audit log names the actor
`cli:<operating-system user>`, and the records' `source` is `admin`.
"""

import asyncio
import getpass
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from api.access.policy import ALL_SCOPES, DEPARTMENT_PURPOSES, Department
from api.access.principal import Access, ActorType, tokenless_access

if TYPE_CHECKING:
    from api.bulk.outcome import ImportSummary

console = Console()
err_console = Console(stderr=True)

RESOURCE_DEPARTMENT = {
    "births": Department.MATERNAL_HEALTH,
    "ultrasound-exams": Department.MATERNAL_HEALTH,
    "household-entries": Department.PUBLIC_SECURITY,
    "marriages": Department.CIVIL_AFFAIRS,
    "persons": Department.PUBLIC_SECURITY,
}
CHUNK_BYTES = 1024 * 1024
SHOWN_ERRORS = 20


def operator_access(resource: str) -> Access:
    """The principal the command acts as (see the module docstring)."""
    purpose = DEPARTMENT_PURPOSES[RESOURCE_DEPARTMENT[resource]][0]
    return tokenless_access(
        ActorType.CLI,
        subject=f"cli:{getpass.getuser()}",
        department=Department.ADMIN,
        region="000000",
        purpose=purpose,
        scopes=frozenset(ALL_SCOPES),
    )


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            yield chunk


def import_file(
    resource: Annotated[
        str,
        typer.Argument(
            metavar="RESOURCE", help=f"What the file holds: {', '.join(RESOURCE_DEPARTMENT)}."
        ),
    ],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="NDJSON, a record a line.",
        ),
    ],
    batch_size: Annotated[
        # At most 10,000: a batch's keys must fit SQLite's 32,766 parameters per statement.
        int, typer.Option(min=1, max=10_000, help="Lines validated and committed together.")
    ] = 2000,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as the API answers it.")
    ] = False,
) -> None:
    """Import records from an NDJSON file; exits 1 if any line was rejected."""
    from api.bulk.importer import ImportInterrupted, import_ndjson, kind_for
    from api.db import get_engine

    kind = kind_for(resource) if resource in RESOURCE_DEPARTMENT else None
    if kind is None:
        raise typer.BadParameter(
            f"choose one of {', '.join(RESOURCE_DEPARTMENT)}", param_hint="'RESOURCE'"
        )
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with progress:
        task = progress.add_task(f"Importing {resource}", total=file.stat().st_size)

        def advance(summary: "ImportSummary", bytes_read: int) -> None:
            description = f"{summary.received:,} lines"
            progress.update(task, completed=bytes_read, description=description)

        try:
            summary = asyncio.run(
                import_ndjson(
                    _chunks(file),
                    engine=get_engine(),
                    kind=kind,
                    access=operator_access(resource),
                    batch_size=batch_size,
                    on_progress=advance,
                )
            )
        except ImportInterrupted as exc:
            summary = exc.summary
            err_console.print(f"[red]The import stopped: {exc.reason}.[/red]")
            err_console.print("Committed batches are kept; run the command again to finish.")
            _show(summary.as_dict(), as_json)
            raise typer.Exit(code=1) from exc
    _show(summary.as_dict(), as_json)
    if summary.rejected:
        raise typer.Exit(code=1)


def _show(answer: dict[str, object], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False))
        return
    table = Table(show_header=False, box=None)
    for name in ("received", "created", "updated", "unchanged", "rejected"):
        table.add_row(name, f"{answer[name]:,}")
    console.print(table)
    errors = answer["errors"]
    assert isinstance(errors, list)
    for error in errors[:SHOWN_ERRORS]:
        fields = "; ".join(f"{e['field']}: {e['message']}" for e in error["errors"])
        console.print(f"[red]line {error['line']}[/red] {escape(fields)}", soft_wrap=True)
    hidden = int(str(answer["rejected"])) - min(len(errors), SHOWN_ERRORS)
    if hidden > 0:
        console.print(f"… and {hidden:,} more rejected lines (--json lists the first 1,000).")


def register(app: typer.Typer) -> None:
    """Add `vitalx import` to the command line."""
    app.command("import")(import_file)
