"""Births (出生医学证明): the record kind and its rule that the mother be a known person."""

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.principal import Access
from api.bulk.rows import among
from api.models import Birth, Person
from api.models.birth import BirthIn
from api.records.core import RecordKind, Row
from api.records.registries.presenting import person_ref, without

# Clinical details that only health departments need (interface §3 minimisation).
HEALTH_FIELDS = ("birth_weight_g", "gestational_weeks")


def to_row(body: BirthIn) -> Row:
    """Flatten a submitted birth into column values."""
    data = body.model_dump(exclude={"mother", "father"})
    data["mother_id_number"] = body.mother.id_number
    data["mother_name"] = body.mother.name
    data["father_id_number"] = body.father.id_number if body.father else None
    data["father_name"] = body.father.name if body.father else None
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored birth, for applying a correction."""
    body = {k: row[k] for k in BirthIn.model_fields if k in row}
    body["mother"] = {"id_number": row["mother_id_number"], "name": row["mother_name"]}
    if row.get("father_id_number"):
        body["father"] = {"id_number": row["father_id_number"], "name": row["father_name"]}
    return body


def present(row: Row, access: Access) -> dict[str, Any]:
    """A birth as the caller may see it."""
    data = without(row, "mother_id_number", "mother_name", "father_id_number", "father_name")
    data["mother"] = person_ref(row["mother_id_number"], row["mother_name"], access)
    data["father"] = person_ref(row.get("father_id_number"), row.get("father_name"), access)
    if not access.principal.sees_health_data:
        data = without(data, *HEALTH_FIELDS)
    return data


def mothers_on_record(session: Session, id_numbers: Iterable[str], *, access: Access) -> set[str]:
    """The ID numbers among `id_numbers` held by persons inside the caller's jurisdiction.

    A person registered elsewhere counts as not found: `mother_verified` must not tell a
    county whether an ID number exists in another province.
    """
    wanted = sorted(set(id_numbers))
    if not wanted:
        return set()
    found = session.exec(
        select(Person.id_number).where(
            among(session, [col(Person.id_number)], [(n,) for n in wanted]),
            jurisdiction_filter(col(Person.jurisdiction_region), access.principal.region),
        )
    )
    return set(found)


def verify_mother(session: Session, birth: Birth, access: Access) -> None:
    """Record whether the mother's ID number is among the persons the caller may see."""
    known = mothers_on_record(session, [birth.mother_id_number], access=access)
    birth.mother_verified = birth.mother_id_number in known


BIRTHS: RecordKind[Birth] = RecordKind(
    resource="births",
    model=Birth,
    body=BirthIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="birth_region",
    region_field="birth_region",
    natural_key=("certificate_no",),
    created_event="birth.registered",
    updated_event="birth.corrected",
    voided_event="birth.voided",
    person_columns=("mother_id_number", "father_id_number"),
    date_column="birth_datetime",
    status_column="status",
    void_status="void",
    after_write=verify_mother,
)
