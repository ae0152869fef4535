"""`vitalx clients create` and `vitalx users create`."""

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.access.accounts import AccountError, create_staff_user, set_password
from api.access.accounts import create_client as create
from api.access.policy import Department, Purpose, Role, Scope
from api.cli.options import RegionOption, choices
from api.db import get_engine, unit_of_work

console = Console()
clients_app = typer.Typer(help="Department systems that call the API.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users of the portal.", no_args_is_help=True)


def _create_client(
    name: str,
    department: Department,
    region: str,
    scopes: list[Scope],
    purposes: list[Purpose],
) -> dict[str, object]:
    with unit_of_work(get_engine()) as session:
        created = create(
            session,
            name=name,
            department=department,
            region=region,
            scopes=scopes or None,
            purposes=purposes or None,
        )
        client = created.client
        return {
            "client_id": client.client_id,
            "client_secret": created.client_secret,
            "name": client.name,
            "department": client.department,
            "region": client.region,
            "scopes": list(client.scopes),
            "purposes": list(client.purposes),
        }


@clients_app.command("create")
def create_client(
    name: Annotated[str, typer.Option(help="What the system is, e.g. 黄石市妇幼保健院.")],
    department: Annotated[Department, typer.Option(help="Department the system belongs to.")],
    region: RegionOption,
    scopes: Annotated[
        str | None,
        typer.Option(help="Space-separated subset of the department's default scopes."),
    ] = None,
    purposes: Annotated[
        str | None,
        typer.Option(help="Space-separated purposes of use; the first is the default."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Register a department system and print its client secret, once."""
    if not name.strip() or len(name) > 128:
        raise typer.BadParameter("give a name of 1 to 128 characters", param_hint="'--name'")
    chosen_scopes = [Scope(s) for s in choices(scopes, Scope, "'--scopes'")]
    chosen_purposes = [Purpose(p) for p in choices(purposes, Purpose, "'--purposes'")]
    try:
        shown = _create_client(name, department, region, chosen_scopes, chosen_purposes)
    except AccountError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'--{exc.field}'") from exc
    if as_json:
        # Plain stdout, no markup or wrapping, so that scripts can parse it.
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    table = Table(show_header=False, box=None)
    for key, value in shown.items():
        table.add_row(key, " ".join(value) if isinstance(value, list) else str(value))
    console.print(table)
    console.print("[yellow]The client secret is shown only now; it is stored hashed.[/yellow]")


@users_app.command("create")
def create_user(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[Role, typer.Option(help="Staff role.")],
    region: RegionOption,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters; asked for when not given.",
        ),
    ],
) -> None:
    """Create a staff user of the portal."""
    if not 1 <= len(username) <= 64 or username != username.strip():
        raise typer.BadParameter("give a username of 1 to 64 characters", param_hint="'--username'")
    try:
        with unit_of_work(get_engine()) as session:
            user = create_staff_user(
                session, username=username, password=password, role=role, region=region
            )
            shown = (user.username, user.role, user.region)
    except AccountError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'--{exc.field}'") from exc
    console.print(f"[green]Created {shown[1]} {shown[0]} for region {shown[2]}.[/green]")


@users_app.command("set-password")
def set_user_password(
    username: Annotated[str, typer.Option(help="Login name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 8 characters; asked for when not given.",
        ),
    ],
) -> None:
    """Give a staff user a new password: unlocks the account and ends its issued tokens."""
    try:
        with unit_of_work(get_engine()) as session:
            set_password(session, username=username, password=password)
    except AccountError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'--{exc.field}'") from exc
    console.print(f"[green]New password set for {username}; its tokens no longer work.[/green]")


def register(app: typer.Typer) -> None:
    """Add the `clients` and `users` command groups."""
    app.add_typer(clients_app, name="clients")
    app.add_typer(users_app, name="users")
