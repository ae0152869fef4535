"""The registries' jurisdiction rules as services (issue #9, defects 2, 4 and 5).

What a conflict tells, where `mother_verified` looks, which entries reach a person of
another jurisdiction, what a move-in announces, and which part of a person's history and
access log a reader sees.
"""

from typing import Any

import pytest
from sqlmodel import Session, select

from api.access.principal import Access
from api.db import commit
from api.errors import Conflict
from api.models import FeedEvent, Person
from api.models.birth import BirthIn
from api.models.household_entry import HouseholdEntryIn
from api.models.person import PersonIn
from api.records import core as records
from api.records import history
from api.records.registries import births, persons
from api.records.registries.births import BIRTHS
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES, MOVED_AWAY
from api.records.registries.persons import PERSONS
from tests.factories import access_for, birth_body, household_entry_body, person_body

WUHAN_PS = access_for("public_security", "420100")
HUANGSHI_PS = access_for("public_security", "420200")
HUANGSHI_MH = access_for("maternal_health", "420200")


def person_in(session: Session, county: str, access: Access, **overrides: Any) -> Person:
    body = person_body(household_region=county, residence_region=county, **overrides)
    return records.create_record(
        session, PERSONS, body=PersonIn.model_validate(body), access=access
    )


def move_in(session: Session, person: Person, county: str, access: Access) -> None:
    particulars = {
        "id_number": person.id_number,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
    }
    body = household_entry_body(person=particulars, household_region=county)
    records.create_record(
        session, HOUSEHOLD_ENTRIES, body=HouseholdEntryIn.model_validate(body), access=access
    )


def test_a_conflict_outside_the_jurisdiction_names_no_record(session: Session) -> None:
    wuhan = person_in(session, "420102", WUHAN_PS)
    body = PersonIn.model_validate(person_body(id_number=wuhan.id_number))

    with pytest.raises(Conflict) as outside:
        records.create_record(session, PERSONS, body=body, access=HUANGSHI_PS)
    again = person_body(id_number=wuhan.id_number, household_region="420103")
    with pytest.raises(Conflict) as inside:
        records.create_record(
            session, PERSONS, body=PersonIn.model_validate(again), access=WUHAN_PS
        )

    assert "existing_id" not in outside.value.extra
    assert "persons" not in outside.value.detail
    assert inside.value.extra["existing_id"] == wuhan.id


def test_mothers_are_looked_for_inside_the_jurisdiction_only(session: Session) -> None:
    here = person_in(session, "420202", HUANGSHI_PS, sex="female")
    there = person_in(session, "420102", WUHAN_PS, sex="female")

    known = births.mothers_on_record(
        session, [here.id_number, there.id_number, "110101199001010011"], access=HUANGSHI_MH
    )

    assert known == {here.id_number}


def test_a_birth_verifies_only_a_mother_the_caller_may_see(session: Session) -> None:
    there = person_in(session, "420102", WUHAN_PS, sex="female")
    body = birth_body(mother={"id_number": there.id_number, "name": there.name})

    birth = records.create_record(
        session, BIRTHS, body=BirthIn.model_validate(body), access=HUANGSHI_MH
    )

    assert birth.mother_verified is False


def test_a_move_in_announces_the_move_to_the_county_left(session: Session) -> None:
    mover = person_in(session, "420102", WUHAN_PS)
    household_no = mover.household_no

    move_in(session, mover, "420202", HUANGSHI_PS)
    commit(session)

    moved = session.exec(select(FeedEvent).where(FeedEvent.type == MOVED_AWAY)).all()
    assert [(e.record_id, e.region) for e in moved] == [(mover.id, "420102")]
    assert moved[0].data["household_no"] == household_no
    assert mover.jurisdiction_region == "420202"


def test_a_move_within_the_county_announces_nothing_to_anyone_else(session: Session) -> None:
    person = person_in(session, "420202", HUANGSHI_PS)

    move_in(session, person, "420202001", HUANGSHI_PS)
    commit(session)

    assert session.exec(select(FeedEvent).where(FeedEvent.type == MOVED_AWAY)).all() == []


def test_history_and_access_log_start_at_the_move_for_the_new_county(session: Session) -> None:
    mover = person_in(session, "420102", WUHAN_PS)
    commit(session)
    records.get_record(session, PERSONS, mover.id, access=WUHAN_PS)
    commit(session)

    move_in(session, mover, "420202", HUANGSHI_PS)
    commit(session)

    seen = records.record_history(session, PERSONS, mover.id, access=HUANGSHI_PS)
    everything = records.record_history(
        session, PERSONS, mover.id, access=access_for("admin", "000000")
    )
    assert [v.version for v in seen] == [2]
    assert [v.version for v in everything] == [1, 2]
    since = history.visible_since(
        session, "persons", mover.id, region_column="jurisdiction_region", access=HUANGSHI_PS
    )
    assert since == seen[0].changed_at
    log = persons.access_log(session, mover.id, access=HUANGSHI_PS, limit=50, cursor=None)
    assert {e.actor for e in log.items} == {HUANGSHI_PS.principal.subject}


def test_a_record_always_inside_has_no_start(session: Session) -> None:
    person = person_in(session, "420202", HUANGSHI_PS)
    commit(session)

    assert (
        history.visible_since(
            session, "persons", person.id, region_column="jurisdiction_region", access=HUANGSHI_PS
        )
        is None
    )


@pytest.mark.parametrize(
    ("department", "resources", "purposes"),
    [
        ("civil_affairs", {"births", "ultrasound-exams"}, {"maternal-care", "birth-registration"}),
        (
            "public_security",
            {"births", "ultrasound-exams"},
            {"maternal-care", "birth-registration"},
        ),
        ("health_commission", {"ultrasound-exams"}, set()),
        ("admin", {"ultrasound-exams"}, set()),
        ("maternal_health", set(), set()),
        ("auditor", set(), set()),
    ],
)
def test_the_access_log_is_cut_to_what_the_department_may_know(
    session: Session, department: str, resources: set[str], purposes: set[str]
) -> None:
    person = person_in(session, "420202", HUANGSHI_PS)

    cut = persons.access_log_cut(session, person, access=access_for(department))

    assert (set(cut.resources), set(cut.purposes), cut.since) == (resources, purposes, None)


def test_a_health_event_never_reaches_public_security(session: Session) -> None:
    woman = person_in(session, "420202", HUANGSHI_PS, sex="female")
    body = birth_body(mother={"id_number": woman.id_number, "name": woman.name})
    records.create_record(session, BIRTHS, body=BirthIn.model_validate(body), access=HUANGSHI_MH)
    commit(session)

    seen = persons.access_log(session, woman.id, access=HUANGSHI_PS, limit=50, cursor=None)
    full = persons.access_log(
        session, woman.id, access=access_for("auditor"), limit=50, cursor=None
    )

    assert [e.resource for e in seen.items] == ["persons"]
    assert sorted(e.resource for e in full.items if e.action == "create") == ["births", "persons"]
