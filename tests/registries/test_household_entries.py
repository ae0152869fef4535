"""Household register entries as a service: each one creates or updates its person."""

from typing import Any

import pytest
from sqlmodel import Session, col, select

from api.db import commit
from api.errors import Conflict, NotFound
from api.models import FeedEvent, HouseholdEntry, Person, RecordVersion
from api.models.household_entry import HouseholdEntryIn
from api.models.person import PersonIn
from api.records import core as records
from api.records.registries import persons
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES
from api.records.registries.persons import PERSONS
from tests.factories import (
    access_for,
    birth_body,
    household_birth_entry_body,
    household_entry_body,
    person_body,
)

PUBLIC_SECURITY = access_for("public_security")


def record_entry(session: Session, body: dict[str, Any]) -> HouseholdEntry:
    return records.create_record(
        session,
        HOUSEHOLD_ENTRIES,
        body=HouseholdEntryIn.model_validate(body),
        access=PUBLIC_SECURITY,
    )


def person_of(session: Session, id_number: str) -> Person:
    person = persons.person_by_id_number(session, id_number)
    assert person is not None
    return person


def existing_person(session: Session, **overrides: Any) -> Person:
    body = PersonIn.model_validate(person_body(**overrides))
    return records.create_record(session, PERSONS, body=body, access=PUBLIC_SECURITY)


def entry_for(person: Person, **overrides: Any) -> dict[str, Any]:
    particulars = {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "ethnicity": "01",
    }
    return household_entry_body(person=particulars, **overrides)


def test_birth_entry_creates_the_person_in_the_household(session: Session) -> None:
    body = household_birth_entry_body(birth_body())

    entry = record_entry(session, body)

    person = person_of(session, body["person"]["id_number"])
    assert entry.person_id == person.id
    assert (person.household_region, person.household_no) == (
        body["household_region"],
        body["household_no"],
    )
    assert (person.status, person.sources) == ("active", ["public_security"])


def test_move_in_updates_a_known_person_with_a_new_version(session: Session) -> None:
    person = existing_person(session)

    entry = record_entry(
        session, entry_for(person, household_region="420281", household_no="420281000777")
    )

    assert entry.person_id == person.id
    assert (person.household_region, person.household_no) == ("420281", "420281000777")
    assert person.version == 2


def test_entry_and_person_change_share_one_transaction_in_the_feed(session: Session) -> None:
    person = existing_person(session)
    commit(session)

    entry = record_entry(session, entry_for(person, household_no="420202000999"))
    commit(session)

    feed = session.exec(select(FeedEvent).order_by(col(FeedEvent.seq))).all()
    assert [(e.type, e.record_id) for e in feed][-2:] == [
        ("person.updated", person.id),
        ("household.entry_recorded", entry.id),
    ]
    history = session.exec(
        select(RecordVersion.version).where(RecordVersion.record_id == person.id)
    ).all()
    assert list(history) == [1, 2]


def test_move_out_marks_the_person_emigrated(session: Session) -> None:
    person = existing_person(session)

    record_entry(
        session, entry_for(person, entry_type="move_out", household_region=person.household_region)
    )

    assert person.status == "emigrated"


def test_move_out_recorded_after_a_move_in_elsewhere_leaves_the_person_active(
    session: Session,
) -> None:
    person = existing_person(session)
    record_entry(session, entry_for(person, household_region="420281"))

    record_entry(session, entry_for(person, entry_type="move_out", household_region="420202"))

    assert (person.status, person.household_region) == ("active", "420281")


def test_move_in_brings_an_emigrated_person_back(session: Session) -> None:
    person = existing_person(session, status="emigrated")

    record_entry(session, entry_for(person))

    assert person.status == "active"


def test_death_entry_marks_the_person_deceased_on_the_registration_day(session: Session) -> None:
    person = existing_person(session)
    body = entry_for(person, entry_type="death")

    record_entry(session, body)

    assert (person.status, str(person.death_date)) == ("deceased", body["registered_on"])


@pytest.mark.parametrize("entry_type", ["death", "move_out", "correction"])
def test_an_entry_about_an_unknown_person_is_not_found(session: Session, entry_type: str) -> None:
    body = household_entry_body(entry_type=entry_type)

    with pytest.raises(NotFound) as refused:
        record_entry(session, body)

    assert refused.value.errors[0]["field"] == "person.id_number"
    assert persons.person_by_id_number(session, body["person"]["id_number"]) is None


def test_correction_entry_corrects_name_and_ethnicity(session: Session) -> None:
    person = existing_person(session, ethnicity="01")
    body = entry_for(person, entry_type="correction")
    body["person"] = {**body["person"], "name": "买买提·艾力", "ethnicity": "05"}

    record_entry(session, body)

    assert (person.name, person.ethnicity) == ("买买提·艾力", "05")


def test_an_entry_with_unknown_sex_keeps_the_known_sex(session: Session) -> None:
    person = existing_person(session)
    body = entry_for(person)
    body["person"] = {**body["person"], "sex": "unknown"}

    record_entry(session, body)

    assert person.sex == "female"


@pytest.mark.parametrize("entry_type", ["birth", "move_in", "move_out"])
def test_entries_for_a_living_person_are_refused_for_a_deceased_one(
    session: Session, entry_type: str
) -> None:
    person = existing_person(session)
    record_entry(session, entry_for(person, entry_type="death"))

    with pytest.raises(Conflict) as refused:
        record_entry(
            session,
            entry_for(person, entry_type=entry_type, registered_on=person.birth_date.isoformat()),
        )

    assert refused.value.errors[0]["field"] == "person.id_number"


def test_entry_for_a_void_person_is_refused(session: Session) -> None:
    person = existing_person(session)
    records.void_record(session, PERSONS, person.id, reason="duplicate", access=PUBLIC_SECURITY)

    with pytest.raises(Conflict):
        record_entry(session, entry_for(person))


def test_correcting_an_entry_applies_it_to_the_person_again(session: Session) -> None:
    person = existing_person(session)
    entry = record_entry(session, entry_for(person))

    records.update_record(
        session,
        HOUSEHOLD_ENTRIES,
        entry.id,
        expected_version=1,
        patch={"household_no": "420202000555"},
        access=PUBLIC_SECURITY,
    )

    assert person.household_no == "420202000555"
    assert person.version == 3


@pytest.mark.parametrize("entry_type", ["death", "move_out", "correction"])
def test_an_entry_about_a_person_registered_elsewhere_is_not_found(
    session: Session, entry_type: str
) -> None:
    person = existing_person(session)
    elsewhere = access_for("public_security", "420300")
    body = entry_for(person, entry_type=entry_type, household_region="420302")
    body["person"] = {**body["person"], "name": "王五"}

    with pytest.raises(NotFound):
        records.create_record(
            session, HOUSEHOLD_ENTRIES, body=HouseholdEntryIn.model_validate(body), access=elsewhere
        )

    assert person.name != "王五"
    assert person.status == "active"


def test_move_in_from_elsewhere_moves_a_person_registered_in_another_jurisdiction(
    session: Session,
) -> None:
    person = existing_person(session)
    elsewhere = access_for("public_security", "420300")
    body = entry_for(person, household_region="420302", household_no="420302000001")

    records.create_record(
        session, HOUSEHOLD_ENTRIES, body=HouseholdEntryIn.model_validate(body), access=elsewhere
    )

    assert (person.household_region, person.jurisdiction_region) == ("420302", "420302")
