"""Household register entries (户籍登记) and their effect on the person they register."""

from typing import Any

from sqlmodel import Session

from api.access.principal import Access
from api.errors import Conflict, FieldError, NotFound
from api.journal.append import PendingFeedEvent, pending
from api.models import HouseholdEntry, Person
from api.models.household_entry import EntryType, HouseholdEntryIn
from api.models.person import PersonParticulars, PersonStatus
from api.records.core import RecordKind, Row, snapshot
from api.records.registries import persons
from api.records.registries.presenting import shown_birth_date, shown_id_number, without
from api.validation import Sex

_PERSON_FIELDS = tuple(PersonParticulars.model_fields)
# Entries that only make sense for a living person; a deceased one takes death and correction.
_LIVING_ONLY = (EntryType.BIRTH, EntryType.MOVE_IN, EntryType.MOVE_OUT)
# Entries about a person registered here; anyone else's answer 404 (interface §3).
_REGISTERED_ONLY = (EntryType.DEATH, EntryType.MOVE_OUT, EntryType.CORRECTION)
# Announced to the county a person moved away from.
MOVED_AWAY = "person.moved_away"


def to_row(body: HouseholdEntryIn) -> Row:
    """Flatten a submitted entry into column values."""
    data = body.model_dump(exclude={"person"})
    data.update({f"person_{k}": v for k, v in body.person.model_dump().items()})
    return data


def from_row(row: Row) -> Row:
    """The submitted shape of a stored entry, for applying a correction."""
    body = {k: row[k] for k in HouseholdEntryIn.model_fields if k in row and row[k] is not None}
    body["person"] = {k: row[f"person_{k}"] for k in _PERSON_FIELDS}
    return body


def present(row: Row, access: Access) -> dict[str, Any]:
    """An entry as the caller may see it."""
    data = without(row, *(f"person_{k}" for k in _PERSON_FIELDS))
    data["person"] = {k: row[f"person_{k}"] for k in _PERSON_FIELDS}
    data["person"]["id_number"] = shown_id_number(row["person_id_number"], access)
    data["person"]["birth_date"] = shown_birth_date(row.get("person_birth_date"), access)
    data["mother_id_number"] = shown_id_number(row.get("mother_id_number"), access)
    data["father_id_number"] = shown_id_number(row.get("father_id_number"), access)
    return data


def _particulars(entry: HouseholdEntry) -> Row:
    values: Row = {
        "name": entry.person_name,
        "birth_date": entry.person_birth_date,
        # 'unknown' withholds the sex; it never overwrites a known one.
        "sex": None if entry.person_sex == Sex.UNKNOWN else entry.person_sex,
        "ethnicity": entry.person_ethnicity,
    }
    return {k: v for k, v in values.items() if v is not None}


def _changes(entry: HouseholdEntry, person: Person | None) -> Row:
    """What an entry changes on its person (`None`: the person is not yet recorded)."""
    kind = EntryType(entry.entry_type)
    if kind in (EntryType.BIRTH, EntryType.MOVE_IN):
        return {
            **_particulars(entry),
            "household_region": entry.household_region,
            "household_no": entry.household_no,
            "status": PersonStatus.ACTIVE,
        }
    if kind is EntryType.MOVE_OUT:
        # A move-in elsewhere that was recorded first already moved the person on.
        if person is not None and person.household_region != entry.household_region:
            return {}
        return {"status": PersonStatus.EMIGRATED}
    if kind is EntryType.DEATH:
        # The register knows the day the death was registered; an earlier date stands.
        if person is not None and person.status == PersonStatus.DECEASED:
            return {}
        return {"status": PersonStatus.DECEASED, "death_date": entry.registered_on}
    return _particulars(entry)


def _new_person(entry: HouseholdEntry) -> Row:
    return {
        "id_number": entry.person_id_number,
        "sex": entry.person_sex,
        "household_region": entry.household_region,
        "household_no": entry.household_no,
        **_particulars(entry),
        **_changes(entry, None),
    }


def apply_to_person(session: Session, entry: HouseholdEntry, *, access: Access) -> Person:
    """Create or update the entry's person in the entry's transaction, and link the two.

    birth, move_in: the person is registered in the entry's household (and active again);
    a person registered in another county moves here (迁入), and that county's feed hears
    of it; move_out: emigrated (moved out of the register's coverage), unless a move-in
    elsewhere was recorded first; death: deceased, with the registration day as
    death_date; correction: name, sex, birth date and ethnicity. death, move_out and
    correction concern only persons registered inside the caller's jurisdiction: any other
    ID number, known elsewhere or not at all, answers 404 alike. A person not yet recorded
    is created by birth and move_in. A void person refuses every entry, a deceased one
    birth, move_in and move_out (409).
    """
    person = persons.person_by_id_number(session, entry.person_id_number, lock=True)
    if entry.entry_type in _REGISTERED_ONLY and (
        person is None or not access.principal.can_see(person.jurisdiction_region)
    ):
        raise NotFound(
            "No person with this ID number is registered in your jurisdiction.",
            errors=[FieldError("person.id_number", "no such person in your jurisdiction")],
        )
    if person is None:
        person = _create_or_find(session, entry, access)
    else:
        _update(session, entry, person, access)
    entry.person_id = person.id
    return person


def _create_or_find(session: Session, entry: HouseholdEntry, access: Access) -> Person:
    try:
        return persons.create_person(session, _new_person(entry), access=access)
    except Conflict:
        # A concurrent entry created the person first (two move-ins of one newcomer): this
        # entry is no conflict, it updates the person like any later entry would.
        person = persons.person_by_id_number(session, entry.person_id_number, lock=True)
        if person is None:
            raise
    _update(session, entry, person, access)
    return person


def _update(session: Session, entry: HouseholdEntry, person: Person, access: Access) -> None:
    _check_can_change(entry, person)
    before = snapshot(person)
    persons.update_person(session, person, _changes(entry, person), access=access)
    origin = str(before.get("jurisdiction_region") or "")
    if origin[:6] != person.jurisdiction_region[:6]:
        # 迁出地: the county the person left hears of it on its feed, with only what it
        # already knew (the person as it was registered there).
        pending(session).feed.append(
            PendingFeedEvent(
                type=MOVED_AWAY, resource="persons", record_id=person.id, region=origin, data=before
            )
        )


def _check_can_change(entry: HouseholdEntry, person: Person) -> None:
    field = [FieldError("person.id_number", "the person's record does not allow this entry")]
    if person.voided_at is not None:
        raise Conflict("The person record for this ID number is void.", errors=field)
    if person.status == PersonStatus.DECEASED and entry.entry_type in _LIVING_ONLY:
        raise Conflict("The person is recorded as deceased.", errors=field)


def _after_write(session: Session, entry: HouseholdEntry, access: Access) -> None:
    apply_to_person(session, entry, access=access)


HOUSEHOLD_ENTRIES: RecordKind[HouseholdEntry] = RecordKind(
    resource="household-entries",
    model=HouseholdEntry,
    body=HouseholdEntryIn,
    to_row=to_row,
    from_row=from_row,
    present=present,
    region_column="household_region",
    region_field="household_region",
    natural_key=("entry_type", "person_id_number", "registered_on"),
    natural_key_fields=("entry_type", "person.id_number", "registered_on"),
    created_event="household.entry_recorded",
    updated_event="household.entry_corrected",
    voided_event="household.entry_voided",
    person_columns=("person_id_number", "mother_id_number", "father_id_number"),
    date_column="registered_on",
    after_write=_after_write,
)
