"""The `vitalx` command line (interface §6): one module per topic, registered here.

A topic module defines `register(app: typer.Typer) -> None`; for a bad option value it
raises `typer.BadParameter(..., param_hint="'--option'")`, which exits with code 2.
"""

import typer

from api.cli import audit, credentials, crosscheck, demo, imports, server, worker

app = typer.Typer(
    name="vitalx",
    help="人口与出生信息共享交换平台 — population and birth-information exchange.",
    no_args_is_help=True,
    add_completion=False,
)

for topic in (server, credentials, demo, imports, crosscheck, worker, audit):
    topic.register(app)
