"""Marriage registrations (婚姻登记) and their effect on both parties' marital status."""

from typing import Any

from sqlmodel import Session, col, or_, select

from api.access.principal import Access
from api.models import Marriage, Person
from api.models.marriage import MarriageIn, MarriageRecordType
from api.records.core import RecordKind, Row
from api.records.registries import persons
from api.records.registries.presenting import person_ref, without
from api.validation import MaritalStatus

# Statuses that mean the person was married before, so a new marriage is a remarriage.
_MARRIED_BEFORE = frozenset(
    {MaritalStatus.REMARRIAGE, MaritalStatus.WIDOWED, MaritalStatus.DIVORCED}
)
_PARTIES = ("party_a", "party_b")


def to_row(body: MarriageIn) -> Row:
    """Flatten a submitted record into column values."""
    data = body.model_dump(exclude=set(_PARTIES))
    for party in _PARTIES:
        ref = getattr(body, party)
        data[f"{party}_id_number"] = ref.id_number
        data[f"{party}_name"] = ref.name
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored record, for applying a correction."""
    body = {k: row[k] for k in MarriageIn.model_fields if k in row}
    for party in _PARTIES:
        body[party] = {"id_number": row[f"{party}_id_number"], "name": row[f"{party}_name"]}
    return body


def present(row: Row, access: Access) -> dict[str, Any]:
    """A record as the caller may see it."""
    data = without(row, *(f"{p}_{f}" for p in _PARTIES for f in ("id_number", "name")))
    for party in _PARTIES:
        data[party] = person_ref(row[f"{party}_id_number"], row[f"{party}_name"], access)
    return data


def marital_status_after(session: Session, record: Marriage, person: Person) -> str | None:
    """The person's marital status once `record` is on file, or None if a later record rules.

    divorce → 40, restored → 23; marriage → 21 (first marriage), or 22 (remarriage) when an
    earlier record names the person or the person is already recorded as remarried,
    widowed or divorced.
    """
    others = session.exec(
        select(col(Marriage.registered_on)).where(
            or_(
                Marriage.party_a_id_number == person.id_number,
                Marriage.party_b_id_number == person.id_number,
            ),
            Marriage.id != record.id,
            col(Marriage.voided_at).is_(None),
        )
    ).all()
    # Records may arrive out of order (bulk imports): only the latest decides the status.
    if any(day > record.registered_on for day in others):
        return None
    kind = MarriageRecordType(record.record_type)
    if kind is MarriageRecordType.DIVORCE:
        return MaritalStatus.DIVORCED.value
    if kind is MarriageRecordType.RESTORED:
        return MaritalStatus.RESTORED_MARRIAGE.value
    if others or person.marital_status in _MARRIED_BEFORE:
        return MaritalStatus.REMARRIAGE.value
    return MaritalStatus.FIRST_MARRIAGE.value


def update_parties(session: Session, record: Marriage, *, access: Access) -> None:
    """Set both parties' marital status in the record's transaction.

    Parties without a (live) person record are skipped: marriages never create persons.
    """
    parties = {record.party_a_id_number: "party_a", record.party_b_id_number: "party_b"}
    # A fixed locking order, so that two records naming the same pair cannot deadlock.
    for id_number in sorted(parties):
        person = persons.person_by_id_number(session, id_number, lock=True)
        if person is None or person.voided_at is not None:
            continue
        status = marital_status_after(session, record, person)
        if status is not None:
            persons.update_person(
                session,
                person,
                {"marital_status": status},
                access=access,
                field_prefix=f"{parties[id_number]}.",
            )


def _after_write(session: Session, record: Marriage, access: Access) -> None:
    update_parties(session, record, access=access)


MARRIAGES: RecordKind[Marriage] = RecordKind(
    resource="marriages",
    model=Marriage,
    body=MarriageIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="registry_region",
    region_field="registry_region",
    natural_key=("certificate_no",),
    created_event="marriage.recorded",
    updated_event="marriage.corrected",
    voided_event="marriage.voided",
    person_columns=("party_a_id_number", "party_b_id_number"),
    date_column="registered_on",
    after_write=_after_write,
)
