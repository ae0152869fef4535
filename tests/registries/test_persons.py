"""Persons as a service: jurisdiction, derived fields, health-data minimisation, access log."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from api.access.policy import Scope
from api.db import commit
from api.errors import Forbidden, InvalidInput, NotFound
from api.models import Birth, FeedEvent, Person, RecordVersion
from api.models.birth import BirthIn
from api.models.person import PersonIn
from api.records import core as records
from api.records.registries import persons
from api.records.registries.births import BIRTHS
from api.records.registries.persons import PERSONS
from tests.factories import access_for, birth_body, person_body, person_ref

PUBLIC_SECURITY = access_for("public_security")
MATERNAL_HEALTH = access_for("maternal_health")


def create_person(session: Session, **overrides: Any) -> Person:
    body = PersonIn.model_validate(person_body(**overrides))
    return records.create_record(session, PERSONS, body=body, access=PUBLIC_SECURITY)


def create_birth(session: Session, mother: Person, **overrides: Any) -> Birth:
    body = birth_body(mother={"id_number": mother.id_number, "name": mother.name}, **overrides)
    return records.create_record(
        session, BIRTHS, body=BirthIn.model_validate(body), access=MATERNAL_HEALTH
    )


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Collect the SQL statements the session's engine runs inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.mark.parametrize(
    ("household", "residence", "expected"),
    [
        ("420202", "420202001", False),
        ("420202", "420203", True),
        ("420202001", "420202002001", False),
        (None, "420202", None),
        ("420202", None, None),
    ],
)
def test_separated_compares_the_counties_of_household_and_residence(
    household: str | None, residence: str | None, expected: bool | None
) -> None:
    assert persons.separated(household, residence) is expected


def test_person_without_household_region_is_in_the_jurisdiction_of_the_residence(
    session: Session,
) -> None:
    person = create_person(
        session, household_region=None, household_no=None, residence_region="420203"
    )

    assert person.jurisdiction_region == "420203"
    assert records.get_record(session, PERSONS, person.id, access=PUBLIC_SECURITY) is person
    with pytest.raises(NotFound):
        records.get_record(
            session, PERSONS, person.id, access=access_for("public_security", "420300")
        )


def test_moving_the_household_moves_the_person_into_another_jurisdiction(
    session: Session,
) -> None:
    person = create_person(session)

    persons.update_person(session, person, {"household_region": "420281"}, access=PUBLIC_SECURITY)

    assert person.jurisdiction_region == "420281"
    assert person.version == 2


def test_sources_name_every_department_that_asserted_the_person(session: Session) -> None:
    person = create_person(session)

    persons.update_person(
        session, person, {"marital_status": "21"}, access=access_for("civil_affairs")
    )

    assert person.sources == ["public_security", "civil_affairs"]
    assert person.source == "civil_affairs"


def test_an_update_that_changes_nothing_keeps_the_version(session: Session) -> None:
    person = create_person(session)

    changed = persons.update_person(session, person, {"name": person.name}, access=PUBLIC_SECURITY)

    assert changed is False
    assert person.version == 1


def test_an_update_that_would_leave_the_person_invalid_is_refused_naming_the_field(
    session: Session,
) -> None:
    person = create_person(session)

    with pytest.raises(InvalidInput) as refused:
        persons.update_person(session, person, {"status": "deceased"}, access=PUBLIC_SECURITY)

    assert refused.value.errors[0]["field"] == "person.death_date"
    assert person.version == 1


def test_update_keeps_a_version_and_announces_it_on_the_feed(session: Session) -> None:
    person = create_person(session)
    persons.update_person(session, person, {"household_no": "420202999"}, access=PUBLIC_SECURITY)
    commit(session)

    versions = session.exec(select(RecordVersion).where(RecordVersion.record_id == person.id)).all()
    feed = session.exec(select(FeedEvent).where(FeedEvent.record_id == person.id)).all()
    assert [(v.version, v.action) for v in versions] == [(1, "create"), (2, "update")]
    assert [e.type for e in feed] == ["person.created", "person.updated"]
    assert feed[1].data["household_no"] == "420202999"


def test_births_lists_the_live_births_of_a_mother_inside_the_jurisdiction(
    session: Session,
) -> None:
    mother = create_person(session)
    first = create_birth(session, mother)
    voided = create_birth(session, mother)
    records.void_record(session, BIRTHS, voided.id, reason="duplicate", access=MATERNAL_HEALTH)
    elsewhere = access_for("maternal_health", "420000")
    records.create_record(
        session,
        BIRTHS,
        body=BirthIn.model_validate(
            birth_body(
                birth_region="420302", mother={"id_number": mother.id_number, "name": mother.name}
            )
        ),
        access=elsewhere,
    )

    found = persons.births_of_mothers(session, [mother.id_number], access=MATERNAL_HEALTH)

    assert found == {mother.id_number: [first.id]}


def test_a_page_of_persons_gets_its_births_in_one_query(session: Session) -> None:
    mothers = [create_person(session) for _ in range(3)]
    births = [create_birth(session, m) for m in mothers]
    session.flush()

    with statements(session) as seen:
        shown = persons.shown(session, mothers, access=MATERNAL_HEALTH)

    assert [p["births"] for p in shown] == [[b.id] for b in births]
    assert len([s for s in seen if "FROM birth" in s]) == 1


@pytest.mark.parametrize("department", ["civil_affairs", "public_security"])
def test_departments_without_health_data_get_no_births(session: Session, department: str) -> None:
    mother = create_person(session)
    create_birth(session, mother)

    with statements(session) as seen:
        shown = persons.shown(session, [mother], access=access_for(department))

    assert "births" not in shown[0]
    assert not [s for s in seen if "FROM birth" in s]


def test_staff_see_the_id_number_masked_unless_they_state_a_purpose(session: Session) -> None:
    person = create_person(session)
    clerk = access_for("health_commission", staff=True)
    stated = access_for("health_commission", staff=True, purpose_stated=True)

    masked = persons.shown(session, [person], access=clerk)[0]["id_number"]
    full = persons.shown(session, [person], access=stated)[0]["id_number"]

    assert masked == f"{person.id_number[:6]}********{person.id_number[14:]}"
    assert full == person.id_number


def test_lookup_finds_the_person_and_logs_the_access(session: Session) -> None:
    person = create_person(session)

    found = persons.lookup_person(session, id_number=person.id_number, access=MATERNAL_HEALTH)
    commit(session)

    reader = access_for("health_commission")
    log = persons.access_log(session, person.id, access=reader, limit=10, cursor=None)
    assert found is person
    assert [e.action for e in log.items] == ["lookup", "create"]


@pytest.mark.parametrize("region", ["420300", "110000"])
def test_lookup_outside_the_jurisdiction_is_not_found(session: Session, region: str) -> None:
    person = create_person(session)

    with pytest.raises(NotFound):
        persons.lookup_person(
            session, id_number=person.id_number, access=access_for("maternal_health", region)
        )


def test_lookup_of_an_unknown_id_number_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        persons.lookup_person(session, id_number=person_ref()["id_number"], access=MATERNAL_HEALTH)


def test_access_log_pages_newest_first_by_cursor(session: Session) -> None:
    person = create_person(session)
    commit(session)
    for _ in range(4):
        records.get_record(session, PERSONS, person.id, access=MATERNAL_HEALTH)
        commit(session)

    pages, cursor = [], None
    while True:
        page = persons.access_log(
            session, person.id, access=access_for("health_commission"), limit=2, cursor=cursor
        )
        pages.append([e.action for e in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert pages == [["read", "read"], ["read", "read"], ["create"]]


def test_auditors_read_the_access_logs_of_persons_in_their_jurisdiction(session: Session) -> None:
    person = create_person(session)

    log = persons.access_log(
        session, person.id, access=access_for("auditor", "000000"), limit=10, cursor=None
    )
    with pytest.raises(NotFound):
        persons.access_log(
            session, person.id, access=access_for("auditor", "110000"), limit=10, cursor=None
        )

    assert log.items == []


def test_access_log_outside_the_jurisdiction_is_not_found_for_persons_readers(
    session: Session,
) -> None:
    person = create_person(session)

    with pytest.raises(NotFound):
        persons.access_log(
            session,
            person.id,
            access=access_for("maternal_health", "420300"),
            limit=10,
            cursor=None,
        )


def test_access_log_needs_persons_read_or_audit_read(session: Session) -> None:
    person = create_person(session)
    without = access_for("maternal_health", scopes=(Scope.BIRTHS_READ,))

    with pytest.raises(Forbidden):
        persons.access_log(session, person.id, access=without, limit=10, cursor=None)


def test_create_person_names_invalid_values_under_the_given_prefix(session: Session) -> None:
    values = {**person_body(), "birth_date": date(2001, 1, 1)}

    with pytest.raises(InvalidInput) as refused:
        persons.create_person(session, values, access=PUBLIC_SECURITY, field_prefix="person.")

    assert [e["field"] for e in refused.value.errors] == ["person.birth_date"]
