"""Marriage records as a service: each one sets both parties' marital status."""

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from api.models import Marriage, Person
from api.models.marriage import MarriageIn
from api.models.person import PersonIn
from api.records import core as records
from api.records.registries import persons
from api.records.registries.marriages import MARRIAGES
from api.records.registries.persons import PERSONS
from tests.factories import access_for, days_ago, marriage_body, person_body, person_ref

CIVIL_AFFAIRS = access_for("civil_affairs")


def existing_person(session: Session, **overrides: Any) -> Person:
    body = PersonIn.model_validate(person_body(**overrides))
    return records.create_record(session, PERSONS, body=body, access=access_for("public_security"))


def ref(person: Person) -> dict[str, str]:
    return {"id_number": person.id_number, "name": person.name}


def register(session: Session, a: Person, b: Person, record_type: str, on: date) -> Marriage:
    body = marriage_body(
        record_type=record_type, registered_on=on.isoformat(), party_a=ref(a), party_b=ref(b)
    )
    return records.create_record(
        session, MARRIAGES, body=MarriageIn.model_validate(body), access=CIVIL_AFFAIRS
    )


@pytest.fixture
def couple(session: Session) -> tuple[Person, Person]:
    return existing_person(session, sex="male"), existing_person(session)


def test_first_marriage_sets_both_parties_to_21(
    session: Session, couple: tuple[Person, Person]
) -> None:
    a, b = couple

    register(session, a, b, "marriage", days_ago(300))

    assert (a.marital_status, b.marital_status) == ("21", "21")
    assert "civil_affairs" in a.sources


def test_divorce_sets_40_and_a_later_marriage_is_a_remarriage(
    session: Session, couple: tuple[Person, Person]
) -> None:
    a, b = couple
    c = existing_person(session)
    register(session, a, b, "marriage", days_ago(900))

    register(session, a, b, "divorce", days_ago(600))
    assert (a.marital_status, b.marital_status) == ("40", "40")

    register(session, a, c, "marriage", days_ago(300))
    assert (a.marital_status, c.marital_status) == ("22", "21")


def test_restored_marriage_sets_23(session: Session, couple: tuple[Person, Person]) -> None:
    a, b = couple
    register(session, a, b, "marriage", days_ago(900))
    register(session, a, b, "divorce", days_ago(600))

    register(session, a, b, "restored", days_ago(300))

    assert (a.marital_status, b.marital_status) == ("23", "23")


@pytest.mark.parametrize("earlier", ["30", "40", "22"])
def test_marriage_of_a_person_recorded_as_previously_married_is_a_remarriage(
    session: Session, earlier: str
) -> None:
    a = existing_person(session, sex="male", marital_status=earlier)
    b = existing_person(session)

    register(session, a, b, "marriage", days_ago(300))

    assert (a.marital_status, b.marital_status) == ("22", "21")


def test_an_older_record_arriving_late_does_not_override_the_latest(
    session: Session, couple: tuple[Person, Person]
) -> None:
    a, b = couple
    register(session, a, b, "divorce", days_ago(100))

    register(session, a, b, "marriage", days_ago(900))

    assert (a.marital_status, b.marital_status) == ("40", "40")


def test_parties_without_a_person_record_are_skipped_not_created(
    session: Session,
) -> None:
    a = existing_person(session, sex="male")
    stranger = person_ref("female")
    body = marriage_body(party_a=ref(a), party_b=stranger)

    records.create_record(
        session, MARRIAGES, body=MarriageIn.model_validate(body), access=CIVIL_AFFAIRS
    )

    assert a.marital_status == "21"
    assert persons.person_by_id_number(session, stranger["id_number"]) is None


def test_correcting_a_record_keeps_the_status_it_gave(
    session: Session, couple: tuple[Person, Person]
) -> None:
    a, b = couple
    record = register(session, a, b, "marriage", days_ago(300))

    records.update_record(
        session,
        MARRIAGES,
        record.id,
        expected_version=1,
        patch={"registry_region": "420203"},
        access=CIVIL_AFFAIRS,
    )

    assert (a.marital_status, b.marital_status, a.version) == ("21", "21", 2)
