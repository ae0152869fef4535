"""Option types shared by the `vitalx` commands."""

from typing import Annotated

import typer

from api.access.policy import Purpose, Scope
from api.validation import normalize_region_prefix


def region_prefix(value: str) -> str:
    """Check a jurisdiction prefix against the GB/T 2260 table (000000 is national)."""
    try:
        return normalize_region_prefix(value)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc), param_hint="'--region'") from exc


def choices(raw: str | None, kind: type[Scope] | type[Purpose], option: str) -> list[str]:
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
        callback=region_prefix,
        help="Jurisdiction prefix (GB/T 2260): 420000 province, 420200 city, 000000 national.",
    ),
]
