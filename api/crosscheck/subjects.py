"""The records a set of discrepancies is about, loaded at once, and shown as the reader may.

Full ID numbers go to department systems; staff see them masked (interface §3). A mask
must not sit beside what it hides: the mother's number keeps its region and sequence
(420202********1234) because her birth date is never shown with it, while a child's or a
person's number, shown next to their birth date, keeps only its region.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.principal import Access
from api.crosscheck.tracking import chunks
from api.models import Birth, Discrepancy, HouseholdEntry, Marriage, Person
from api.models.base import SHANGHAI
from api.validation import mask_id_number, region_name

M = TypeVar("M", bound=SQLModel)


@dataclass
class Subjects:
    """Subject records by id, and the names of mothers known only by ID number."""

    births: dict[str, Birth] = field(default_factory=dict)
    entries: dict[str, HouseholdEntry] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    marriages: dict[str, Marriage] = field(default_factory=dict)
    mother_names: dict[str, str] = field(default_factory=dict)

    def of(self, row: Discrepancy, resource: str) -> list[Any]:
        """The loaded records of `resource` that `row` names, in its order."""
        tables: dict[str, dict[str, Any]] = {
            "births": self.births,
            "household-entries": self.entries,
            "persons": self.persons,
            "marriages": self.marriages,
        }
        table = tables[resource]
        return [
            table[s["id"]] for s in row.subjects if s["resource"] == resource and s["id"] in table
        ]


def _by_id(session: Session, model: type[M], ids: Iterable[str]) -> dict[str, M]:
    wanted = sorted(set(ids))
    found: dict[str, M] = {}
    key = col(model.id)  # type: ignore[attr-defined]
    for part in chunks(wanted):
        for record in session.exec(select(model).where(key.in_(list(part)))).all():
            found[record.id] = record  # type: ignore[attr-defined]
    return found


def load(session: Session, rows: Sequence[Discrepancy], access: Access) -> Subjects:
    """Every record `rows` name, and the names of mothers registered in the reader's area."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for subject in row.subjects:
            wanted[subject["resource"]].add(subject["id"])
    subjects = Subjects(
        births=_by_id(session, Birth, wanted["births"]),
        entries=_by_id(session, HouseholdEntry, wanted["household-entries"]),
        persons=_by_id(session, Person, wanted["persons"]),
        marriages=_by_id(session, Marriage, wanted["marriages"]),
    )
    # A household entry names the mother by ID number only; her name comes from the
    # person register, and only from the part of it the reader may see.
    numbers = sorted({e.mother_id_number for e in subjects.entries.values() if e.mother_id_number})
    within = jurisdiction_filter(col(Person.jurisdiction_region), access.principal.region)
    for part in chunks(numbers):
        query = select(Person.id_number, Person.name).where(
            col(Person.id_number).in_(list(part)), within
        )
        subjects.mother_names.update({number: name for number, name in session.exec(query)})
    return subjects


def unmasked(access: Access) -> bool:
    """Department systems read full numbers here; staff read them masked."""
    return not access.principal.is_staff


def parent_id(value: str | None, access: Access) -> str | None:
    """A parent's ID number (shown without the parent's birth date)."""
    if value is None or unmasked(access):
        return value
    return mask_id_number(value) if len(value) == 18 else "*" * len(value)


def id_beside_birth_date(value: str | None, access: Access) -> str | None:
    """The ID number of someone whose birth date is shown beside it: only its region."""
    if value is None or unmasked(access):
        return value
    return value[:6] + "*" * (len(value) - 6)


def birth_day(birth: Birth) -> date:
    """The child's birth date: the birth instant's day in Beijing time."""
    return birth.birth_datetime.astimezone(SHANGHAI).date()


def area_name(code: str | None) -> str | None:
    """The name of a region code's county (黄石港区), or None."""
    return region_name(code) if code else None
