"""`vitalx demo`: load the demo population and print how to log in."""

from typing import Annotated

import typer
from rich.console import Console

from api.config import VAR_DIR, get_settings
from api.db import get_engine, unit_of_work
from api.demo import population as demo_data
from api.demo.population import DemoCredentials

CREDENTIALS_FILE = VAR_DIR / "demo-credentials.json"
console = Console()


def _print(credentials: DemoCredentials) -> None:
    # Plain lines, not a table: secrets must never be cut to fit a narrow terminal.
    console.print("[bold]Demo department systems[/bold] (grant_type=client_credentials):")
    for item in credentials.clients:
        console.print(
            f"  {item['department']:<18} region {item['region']}  "
            f"client_id={item['client_id']}  client_secret={item['client_secret']}",
            soft_wrap=True,
        )
    console.print("[bold]Demo staff users[/bold] (grant_type=password):")
    for item in credentials.users:
        console.print(
            f"  {item['role']:<10} region {item['region']}  "
            f"username={item['username']}  password={item['password']}",
            soft_wrap=True,
        )
    base = get_settings().public_base_url
    console.print(f"API documentation: {base}/docs    Staff portal: {base}/portal/", soft_wrap=True)
    console.print(f"(kept in {CREDENTIALS_FILE}, readable by you only)", soft_wrap=True)


def demo(
    births: Annotated[
        int, typer.Option(min=10, max=200_000, help="children with a birth record")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="random seed of the generator")] = 2026,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing (but show the logins) if data exists")
    ] = False,
) -> None:
    """Load a synthetic Huangshi population with demo clients and staff users."""
    with unit_of_work(get_engine()) as session:
        if not demo_data.database_is_empty(session):
            if not if_empty:
                raise typer.BadParameter(
                    "the database already holds data", param_hint="'--if-empty'"
                )
            saved = demo_data.read_credentials(CREDENTIALS_FILE)
            console.print("The database already holds data; the demo was not loaded again.")
            if saved:
                _print(saved)
            return
        with console.status("Generating and loading the demo population…"):
            summary = demo_data.seed_demo(
                session,
                births=births,
                seed=seed,
                as_of=demo_data.demo_as_of(),
                base_url=get_settings().public_base_url,
            )
    demo_data.save_credentials(summary.credentials, CREDENTIALS_FILE)
    console.print(
        "Loaded: " + ", ".join(f"{count} {name}" for name, count in summary.counts.items())
    )
    _print(summary.credentials)
    if summary.verification_url:
        console.print(
            f"An issued birth-service certificate to verify: {summary.verification_url}",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add `vitalx demo` to the command line."""
    app.command("demo")(demo)
