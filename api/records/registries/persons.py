"""Persons (全员人口信息): the record kind, look-up by ID number, and the person's access log.

Household entries and marriages change persons through `create_person` and `update_person`,
so every change, whoever causes it, is validated, versioned, announced and audited alike.
"""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.policy import Purpose, Scope
from api.access.principal import Access
from api.errors import FieldError, Forbidden, InvalidInput, NotFound, validation_errors
from api.journal.audit import AccessLogCut, person_access_log, record_access
from api.models import AuditEvent, Birth, Person
from api.models.person import PersonIn, PersonStatus
from api.pagination import Page
from api.records import core as records
from api.records import history
from api.records.core import RecordKind, Row, snapshot
from api.records.registries.presenting import shown_birth_date, shown_id_number, without


def jurisdiction_region(household_region: str | None, residence_region: str | None) -> str | None:
    """The region that decides whose jurisdiction a person is in."""
    return household_region or residence_region


def separated(household_region: str | None, residence_region: str | None) -> bool | None:
    """人户分离: living in another county than the household is registered in."""
    if not household_region or not residence_region:
        return None
    return household_region[:6] != residence_region[:6]


def to_row(body: PersonIn) -> Row:
    """Column values of a submitted person."""
    data = body.model_dump()
    data["jurisdiction_region"] = jurisdiction_region(body.household_region, body.residence_region)
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored person, for applying a correction."""
    return {k: row[k] for k in PersonIn.model_fields if k in row}


def present(row: Row, access: Access) -> dict[str, Any]:
    """A person as the caller may see it, without health data (see `shown`)."""
    data = without(row, "jurisdiction_region")
    data["id_number"] = shown_id_number(row["id_number"], access)
    data["birth_date"] = shown_birth_date(row.get("birth_date"), access)
    data["separated"] = separated(row.get("household_region"), row.get("residence_region"))
    return data


def note_source(session: Session, person: Person, access: Access) -> None:
    """Add the writing department to the departments that asserted the person."""
    department = access.principal.department.value
    if department not in person.sources:
        person.sources = [*person.sources, department]


PERSONS: RecordKind[Person] = RecordKind(
    resource="persons",
    model=Person,
    body=PersonIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="jurisdiction_region",
    region_field="household_region",
    natural_key=("id_number",),
    natural_key_fields=("id_number",),
    created_event="person.created",
    updated_event="person.updated",
    voided_event="person.voided",
    date_column="birth_date",
    status_column="status",
    void_status=PersonStatus.CANCELLED.value,
    after_write=note_source,
)


def births_of_mothers(
    session: Session, id_numbers: Sequence[str], *, access: Access
) -> dict[str, list[str]]:
    """Ids of live birth records in the caller's jurisdiction, by the mother's ID number."""
    found: dict[str, list[str]] = {n: [] for n in id_numbers}
    if not id_numbers:
        return found
    # Births outside the jurisdiction stay unseen, as their own URLs would answer 404.
    rows = session.exec(
        select(Birth.id, Birth.mother_id_number)
        .where(
            col(Birth.mother_id_number).in_(sorted(set(id_numbers))),
            col(Birth.voided_at).is_(None),
            jurisdiction_filter(col(Birth.birth_region), access.principal.region),
        )
        .order_by(col(Birth.birth_datetime), col(Birth.id))
    ).all()
    for birth_id, mother in rows:
        found[mother].append(birth_id)
    return found


def shown(session: Session, persons: Sequence[Person], *, access: Access) -> list[dict[str, Any]]:
    """Persons as the caller may see them; health-data departments also get their `births`."""
    data = [present(snapshot(p), access) for p in persons]
    if access.principal.sees_health_data:
        births = births_of_mothers(session, [p.id_number for p in persons], access=access)
        for item, person in zip(data, persons, strict=True):
            item["births"] = births[person.id_number]
    return data


def person_by_id_number(session: Session, id_number: str, *, lock: bool = False) -> Person | None:
    """The person holding an ID number, voided or not; locked for update when asked."""
    query = select(Person).where(Person.id_number == id_number)
    if lock:
        # A locked read waits for concurrent writers; it must then see their work, not a
        # copy this session loaded before (populate_existing refreshes it).
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def _checked(values: Row, *, field_prefix: str) -> PersonIn:
    try:
        return PersonIn.model_validate(values)
    except ValidationError as exc:
        errors = [
            FieldError(f"{field_prefix}{e['field']}", e["message"])
            for e in validation_errors(exc.errors())
        ]
        raise InvalidInput(
            f"The person record would not be valid: {', '.join(e['field'] for e in errors[:5])}.",
            errors=errors,
        ) from None


def create_person(
    session: Session, values: Row, *, access: Access, field_prefix: str = "person."
) -> Person:
    """Create a person from another record's data; invalid values are named under `field_prefix`."""
    body = _checked(values, field_prefix=field_prefix)
    return records.create_record(session, PERSONS, body=body, access=access)


def update_person(
    session: Session, person: Person, changes: Row, *, access: Access, field_prefix: str = "person."
) -> bool:
    """Change a person as the effect of another record; False if nothing changed."""
    body = _checked({**from_row(snapshot(person)), **changes}, field_prefix=field_prefix)
    return records.apply_changes(session, PERSONS, person, to_row(body), access=access)


def lookup_person(session: Session, *, id_number: str, access: Access) -> Person:
    """The person with this ID number inside the caller's jurisdiction."""
    person = person_by_id_number(session, id_number)
    if person is None or not access.principal.can_see(person.jurisdiction_region):
        raise NotFound("No person with this ID number in your jurisdiction.")
    record_access(
        session,
        access,
        action="lookup",
        resource=PERSONS.resource,
        record_ids=[person.id],
        person_ids=[person.id],
    )
    return person


def access_log(
    session: Session, person_id: str, *, access: Access, limit: int, cursor: str | None
) -> Page[AuditEvent]:
    """Who read or changed a person's data, newest first, as far as the reader may know.

    Holders of `persons:read` or `audit:read` read the logs of persons inside their
    jurisdiction (national auditors: everyone's). Events about health data stay with those
    who may read it (`access_log_cut`), and a county that a person moved into sees the log
    from the move on. Reading the log is itself recorded in it.
    """
    scopes = access.principal.scopes
    if Scope.AUDIT_READ not in scopes and Scope.PERSONS_READ not in scopes:
        raise Forbidden("The token lacks the scope persons:read or audit:read.")
    person = session.get(Person, person_id)
    if person is None or not access.principal.can_see(person.jurisdiction_region):
        raise NotFound("No persons record with this id.")
    cut = access_log_cut(session, person, access=access)
    page = person_access_log(session, person_id=person.id, limit=limit, cursor=cursor, cut=cut)
    record_access(
        session,
        access,
        action="access-log",
        resource=PERSONS.resource,
        record_ids=[person.id],
        person_ids=[person.id],
    )
    return page


# Events that tell of a person's health: the records, and the purposes only maternal health
# acts for (a maternal-care read of a woman's record says she is in care).
_HEALTH_RESOURCES = ("births", "ultrasound-exams")
_HEALTH_PURPOSES = (Purpose.MATERNAL_CARE.value, Purpose.BIRTH_REGISTRATION.value)


def access_log_cut(session: Session, person: Person, *, access: Access) -> AccessLogCut:
    """What of this person's access log the reader may not see (interface §3).

    Ultrasound events go only to maternal health and auditors; birth and exam events, and
    maternal health's work for its own purposes, not to departments without health data
    (civil affairs, public security); nothing from before the person entered the reader's
    jurisdiction.
    """
    principal = access.principal
    resources: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    if not principal.sees_health_data:
        resources, purposes = _HEALTH_RESOURCES, _HEALTH_PURPOSES
    elif not principal.sees_ultrasounds:
        resources = ("ultrasound-exams",)
    since = history.visible_since(
        session, PERSONS.resource, person.id, region_column=PERSONS.region_column, access=access
    )
    return AccessLogCut(resources, purposes, since)
