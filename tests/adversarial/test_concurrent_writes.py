"""Issue #9, defect 8 (PostgreSQL): concurrent entries that create one new person.

Twenty valid `move_in` entries for one newcomer, on twenty different days, race to create
the person. Only true conflicts are 409: here there are none, so all twenty are stored,
the person exists once, and every entry updated it in turn.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from fastapi import FastAPI
from sqlmodel import Session, select

from api.models import HouseholdEntry, Person
from tests import factories
from tests.adversarial.conftest import World

ENTRIES = 20


def test_concurrent_move_ins_of_one_newcomer_all_succeed(world: World, app: FastAPI) -> None:
    born = date(1990, 7, 15)
    person = {
        "id_number": factories.id_number(birth_date=born, sex="male"),
        "name": "李强",
        "sex": "male",
        "birth_date": born.isoformat(),
        "ethnicity": "01",
    }
    bodies = [
        factories.household_entry_body(
            person=person, registered_on=factories.days_ago(day + 1).isoformat()
        )
        for day in range(ENTRIES)
    ]
    headers = world.headers("public_security")
    start = threading.Barrier(ENTRIES)

    def post(body: dict[str, object]) -> int:
        start.wait()
        response = world.client.post("/v1/household-entries", json=body, headers=headers)
        return response.status_code

    with ThreadPoolExecutor(max_workers=ENTRIES) as pool:
        statuses = list(pool.map(post, bodies))

    assert sorted(statuses) == [201] * ENTRIES
    with Session(app.state.engine) as session:
        people = session.exec(select(Person).where(Person.id_number == person["id_number"])).all()
        entries = session.exec(
            select(HouseholdEntry).where(HouseholdEntry.person_id_number == person["id_number"])
        ).all()
    assert len(people) == 1
    assert len(entries) == ENTRIES
    assert {e.person_id for e in entries} == {people[0].id}


def test_the_same_entry_twice_at_once_is_one_201_and_one_true_409(
    world: World, app: FastAPI
) -> None:
    body = factories.household_entry_body()
    headers = world.headers("public_security")
    start = threading.Barrier(2)

    def post(_: int) -> int:
        start.wait()
        return world.client.post("/v1/household-entries", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(post, range(2)))

    assert statuses == [201, 409]
