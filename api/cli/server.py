"""`vitalx serve` and `vitalx migrate`."""

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Run the API server."""
    import uvicorn

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    console.print(f"[bold]vitalx[/bold] on {base}")
    console.print(f"  API docs  {base}/docs")
    console.print(f"  portal    {base}/portal/")
    # An import string with factory=True, so that each worker builds its own app.
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


def migrate() -> None:
    """Upgrade the configured database to the newest schema."""
    from api.config import get_settings
    from api.migrate import head_revision, upgrade

    url = get_settings().database_url
    with console.status("Migrating the database…"):
        upgrade(url)
    console.print(f"[green]Database at revision {head_revision()}.[/green]")


def register(app: typer.Typer) -> None:
    """Add `serve` and `migrate` to the command line."""
    app.command("serve")(serve)
    app.command("migrate")(migrate)
