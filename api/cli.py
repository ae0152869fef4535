"""The `vitalx` command line (interface §6): serve, migrate, and manage credentials.

More commands live in modules named `api/cli_<topic>.py` (`demo`, `import`, `crosscheck`,
`audit`): each defines `register(app: typer.Typer) -> None` and is found and registered by
`register_command_modules` below, so adding a command never means editing this file.
Those modules must not import `api.cli` (it imports them); for a bad option value they
raise `typer.BadParameter(..., param_hint="'--option'")`, which exits with code 2.
"""

import importlib
import json
import pkgutil
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import api
from api.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department, Purpose, Role, Scope

app = typer.Typer(
    name="vitalx",
    help="人口与出生信息共享交换平台 — population and birth-information exchange.",
    no_args_is_help=True,
    add_completion=False,
)
clients_app = typer.Typer(help="Department systems that call the API.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users of the portal.", no_args_is_help=True)
app.add_typer(clients_app, name="clients")
app.add_typer(users_app, name="users")

console = Console()

COMMAND_MODULE_PREFIX = "cli_"


def _region(value: str) -> str:
    """Check a jurisdiction prefix against the GB/T 2260 table (000000 is national)."""
    from api.validation import normalize_region_prefix

    try:
        return normalize_region_prefix(value)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc


def _choices(raw: str | None, kind: type[Scope] | type[Purpose], option: str) -> list[str]:
    """Split a space- or comma-separated list and check every value is a known code."""
    if raw is None:
        return []
    values = list(dict.fromkeys(raw.replace(",", " ").split()))
    if not values:
        raise typer.BadParameter("give at least one value", param_hint=option)
    known = {member.value for member in kind}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise typer.BadParameter(
            f"unknown {', '.join(unknown)}; choose from {' '.join(sorted(known))}",
            param_hint=option,
        )
    return values


RegionOption = Annotated[
    str,
    typer.Option(
        "--region",
        callback=_region,
        help="Jurisdiction prefix (GB/T 2260): 420000 province, 420200 city, 000000 national.",
    ),
]


@app.command()
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


@app.command()
def migrate() -> None:
    """Upgrade the configured database to the newest schema."""
    from api.config import get_settings
    from api.migrate import head_revision, upgrade

    url = get_settings().database_url
    with console.status("Migrating the database…"):
        upgrade(url)
    console.print(f"[green]Database at revision {head_revision()}.[/green]")


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
    from api.auth import create_client as create
    from api.db import get_engine, unit_of_work

    if not name.strip() or len(name) > 128:
        raise typer.BadParameter("give a name of 1 to 128 characters", param_hint="'--name'")
    chosen_scopes = _choices(scopes, Scope, "'--scopes'")
    outside = [s for s in chosen_scopes if Scope(s) not in DEPARTMENT_SCOPES[department]]
    if outside:
        raise typer.BadParameter(
            f"{' '.join(outside)} not among the {department.value} scopes "
            f"({' '.join(DEPARTMENT_SCOPES[department])})",
            param_hint="'--scopes'",
        )
    chosen_purposes = _choices(purposes, Purpose, "'--purposes'")
    outside = [p for p in chosen_purposes if Purpose(p) not in DEPARTMENT_PURPOSES[department]]
    if outside:
        raise typer.BadParameter(
            f"{' '.join(outside)} not allowed for {department.value} "
            f"({' '.join(DEPARTMENT_PURPOSES[department])})",
            param_hint="'--purposes'",
        )
    with unit_of_work(get_engine()) as session:
        created = create(
            session,
            name=name,
            department=department,
            region=region,
            scopes=[Scope(s) for s in chosen_scopes] or None,
            purposes=[Purpose(p) for p in chosen_purposes] or None,
        )
        client = created.client
        shown = {
            "client_id": client.client_id,
            "client_secret": created.client_secret,
            "name": client.name,
            "department": client.department,
            "region": client.region,
            "scopes": list(client.scopes),
            "purposes": list(client.purposes),
        }
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
    from api.auth import create_staff_user
    from api.db import get_engine, unit_of_work

    if not 1 <= len(username) <= 64 or username != username.strip():
        raise typer.BadParameter("give a username of 1 to 64 characters", param_hint="'--username'")
    if len(password) < 8:
        raise typer.BadParameter("must be at least 8 characters", param_hint="'--password'")
    try:
        with unit_of_work(get_engine()) as session:
            user = create_staff_user(
                session, username=username, password=password, role=role, region=region
            )
            shown = (user.username, user.role, user.region)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--username'") from exc
    console.print(f"[green]Created {shown[1]} {shown[0]} for region {shown[2]}.[/green]")


def register_command_modules(target: typer.Typer) -> list[str]:
    """Add the commands of every `api/cli_*.py` module to `target`; return their names."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(api.__path__)
        if info.name.startswith(COMMAND_MODULE_PREFIX)
    )
    for name in names:
        module = importlib.import_module(f"api.{name}")
        register = getattr(module, "register", None)
        if register is None:
            raise RuntimeError(f"api/{name}.py must define register(app: typer.Typer)")
        register(target)
    return names


register_command_modules(app)
