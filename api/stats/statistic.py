"""What a statistics request asks for (`StatsQuery`) and what it answers (`Statistic`).

Every figure is an SQL GROUP BY cut to the caller's jurisdiction; no personal record leaves
the database, so a request is audited once, as a whole, with no record ids (`scope`).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from api.access.jurisdiction import narrowed
from api.access.principal import Access
from api.errors import FieldError, InvalidInput
from api.journal.audit import record_access
from api.validation import region_name, today_in_china

RESOURCE = "stats"
TOTAL_LABEL = "合计"
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9999, 12, 30)


@dataclass(frozen=True)
class StatsQuery:
    """The region prefix and the days a statistic covers (both ends included)."""

    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    as_of: date | None = None

    def checked(self) -> "StatsQuery":
        """The query with `as_of` defaulted to today; 422 for an impossible range."""
        today = today_in_china()
        for name, day in (("from", self.date_from), ("to", self.date_to), ("as_of", self.as_of)):
            # Days at the ends of the calendar would overflow as UTC instants.
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                raise InvalidInput(
                    f"{name} must lie between {EARLIEST_DAY} and {LATEST_DAY}.",
                    errors=[FieldError(name, "out of range")],
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(
                "The period is empty: 'from' is after 'to'.",
                errors=[FieldError("from", "must not be after to")],
            )
        if self.as_of and self.as_of > today:
            raise InvalidInput(
                "as_of must not be in the future.",
                errors=[FieldError("as_of", "must not be in the future")],
            )
        return StatsQuery(self.region, self.date_from, self.date_to, self.as_of or today)


@dataclass(frozen=True)
class Statistic:
    """One statistic's table: rows by region (and month), and their total."""

    name: str
    columns: tuple[str, ...]
    region: str
    query: StatsQuery
    items: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON answer: what was counted, over which region and days, and the rows."""
        return {
            "statistic": self.name,
            "region": self.region,
            "from": self.query.date_from.isoformat() if self.query.date_from else None,
            "to": self.query.date_to.isoformat() if self.query.date_to else None,
            "as_of": self.query.as_of.isoformat() if self.query.as_of else None,
            "items": self.items,
            "total": self.total,
        }


def to_csv(statistic: Statistic) -> str:
    """The rows as CSV (with a BOM, so that spreadsheet programs read the Chinese names)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=statistic.columns, lineterminator="\r\n")
    writer.writeheader()
    rows = [*statistic.items, *([statistic.total] if statistic.total else [])]
    writer.writerows(
        {k: "" if row.get(k) is None else row.get(k) for k in statistic.columns} for row in rows
    )
    return "\ufeff" + out.getvalue()


def ratio(part: int, whole: int, *, scale: int = 1, digits: int = 4) -> float | None:
    """`part / whole * scale`, rounded; None when there is nothing to divide by."""
    return round(part * scale / whole, digits) if whole else None


def scope(
    session: Session, access: Access, name: str, query: StatsQuery
) -> tuple[StatsQuery, str | None, str]:
    """Check the query, note the request's one audit event, and find the prefix it covers."""
    checked = query.checked()
    prefix = narrowed(access.principal.region, checked.region)
    record_access(session, access, action=name, resource=RESOURCE, record_ids=[])
    label = prefix.ljust(6, "0") if prefix is not None else (checked.region or "")
    return checked, prefix, label


def named(region: str) -> dict[str, Any]:
    """The region columns of a row: its code and its name."""
    return {"region": region, "region_name": region_name(region)}


def total(**values: Any) -> dict[str, Any]:
    """The total row: no region, named 合计."""
    return {"region": None, "region_name": TOTAL_LABEL, **values}
