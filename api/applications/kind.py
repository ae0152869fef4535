"""Applications as a versioned shared record: the `RecordKind` the records core writes with.

Every change (submission, each transition, a resubmission) goes through the core, so it
gets a new version, a history entry, an `application.status_changed` feed event and an
audit event, like a change to any register.
"""

from typing import Any

from api.access.principal import Access
from api.models.birth_service_application import ApplicationIn, BirthServiceApplication
from api.records.core import RecordKind, Row
from api.records.registries.presenting import shown_id_number, without
from api.validation import region_full_name

RESOURCE = "birth-service-applications"
STATUS_CHANGED = "application.status_changed"
_PEOPLE = {"applicant": ("id_number", "name", "phone"), "spouse": ("id_number", "name")}
_FLAT = tuple(f"{who}_{part}" for who, parts in _PEOPLE.items() for part in parts)


def to_row(body: ApplicationIn) -> Row:
    """Column values of a submitted application."""
    data = body.model_dump(exclude={"applicant", "spouse"}, mode="json")
    data["expected_due_date"] = body.expected_due_date
    for who, parts in _PEOPLE.items():
        ref = getattr(body, who)
        for part in parts:
            data[f"{who}_{part}"] = getattr(ref, part) if ref is not None else None
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored application, for applying a merge patch."""
    body = {k: row[k] for k in ApplicationIn.model_fields if k in row}
    for who, parts in _PEOPLE.items():
        if row.get(f"{who}_id_number") is None:
            body[who] = None
        else:
            body[who] = {part: row[f"{who}_{part}"] for part in parts}
    return {k: v for k, v in body.items() if v is not None}


def present(row: Row, access: Access) -> dict[str, Any]:
    """An application as the caller may see it: ID numbers masked for staff without purpose."""
    data = without(row, *_FLAT, "created_by")
    for who, parts in _PEOPLE.items():
        if row.get(f"{who}_id_number") is None:
            data[who] = None
            continue
        data[who] = {part: row[f"{who}_{part}"] for part in parts}
        data[who]["id_number"] = shown_id_number(row[f"{who}_id_number"], access)
    data["household_region_name"] = region_full_name(row["household_region"])
    data["residence_region_name"] = region_full_name(row["residence_region"])
    return data


APPLICATIONS: RecordKind[BirthServiceApplication] = RecordKind(
    resource=RESOURCE,
    model=BirthServiceApplication,
    body=ApplicationIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="household_region",
    region_field="household_region",
    natural_key=(),
    created_event=STATUS_CHANGED,
    updated_event=STATUS_CHANGED,
    voided_event=STATUS_CHANGED,
    person_columns=("applicant_id_number", "spouse_id_number"),
    date_column="created_at",
    status_column="status",
)
