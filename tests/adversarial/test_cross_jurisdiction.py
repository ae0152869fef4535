"""Issue #9, defect 5: writes about persons of another jurisdiction.

`death`, `move_out` and `correction` concern persons registered in the caller's jurisdiction
(anyone else: 404, like a read). A `move_in` from elsewhere is how migration (迁移) works:
it is allowed, the county the person left hears of it on its feed, and the county the
person moved to sees the person's history and access log from the move on, not before.
"""

from datetime import date
from typing import Any

from tests import factories
from tests.adversarial.conftest import BEIJING, Json, World, created

WUHAN_COUNTY = "420102"


def _entry(person: Json, **overrides: Any) -> Json:
    particulars = {
        "id_number": person["id_number"],
        "name": person["name"],
        "sex": person["sex"],
        "birth_date": person["birth_date"],
    }
    return factories.household_entry_body(person=particulars, **overrides)


def test_a_death_of_a_person_of_another_province_is_404_and_changes_nothing(
    world: World,
) -> None:
    beijing = world.person(BEIJING)
    # A Huangshi county client files the death in its own household region.
    county = world.headers("public_security", "420202")
    response = world.client.post(
        "/v1/household-entries", json=_entry(beijing, entry_type="death"), headers=county
    )
    assert response.status_code == 404
    after = world.client.get(
        f"/v1/persons/{beijing['id']}", headers=world.headers("public_security", BEIJING)
    ).json()
    assert (after["status"], after["death_date"], after["version"]) == ("active", None, 1)


def test_a_move_in_from_elsewhere_is_announced_to_the_county_left(world: World) -> None:
    wuhan_ps = world.headers("public_security", "420100")
    mover = world.person("420100")
    feed_before = world.client.get("/v1/feed", headers=wuhan_ps).json()["next_cursor"]

    created(
        world.client.post(
            "/v1/household-entries",
            json=_entry(mover, entry_type="move_in", household_region="420202"),
            headers=world.headers("public_security", "420202"),
        )
    )

    events = world.client.get("/v1/feed", params={"after": feed_before}, headers=wuhan_ps).json()[
        "items"
    ]
    assert [(e["type"], e["id"], e["region"]) for e in events] == [
        ("person.moved_away", mover["id"], WUHAN_COUNTY)
    ]
    # What the county left already knew, and nothing of the new household.
    assert events[0]["data"]["household_region"] == WUHAN_COUNTY
    assert events[0]["data"]["household_no"] == mover["household_no"]
    gone = world.client.get(f"/v1/persons/{mover['id']}", headers=wuhan_ps)
    assert gone.status_code == 404


def test_the_new_county_sees_the_movers_past_from_the_move_on(world: World) -> None:
    wuhan = world.headers("public_security", "420100")
    mover = world.person("420100", birth_date=date(1990, 7, 15), sex="male")
    corrected = world.client.patch(
        f"/v1/persons/{mover['id']}",
        json={"marital_status": "20"},
        headers={**wuhan, "If-Match": '"1"'},
    )
    assert corrected.status_code == 200, corrected.text
    world.client.post("/v1/persons/lookup", json={"id_number": mover["id_number"]}, headers=wuhan)

    county = world.headers("public_security", "420202")
    created(
        world.client.post(
            "/v1/household-entries",
            json=_entry(mover, entry_type="move_in", household_region="420202"),
            headers=county,
        )
    )

    history = world.client.get(f"/v1/persons/{mover['id']}/history", headers=county).json()
    assert [(v["version"], v["record"]["household_region"]) for v in history["items"]] == [
        (3, "420202")
    ]
    log = world.client.get(f"/v1/persons/{mover['id']}/access-log", headers=county).json()
    assert {e["department"] for e in log["items"]} == {"public_security"}
    assert all(e["actor"] != _subject(world, "420100") for e in log["items"])
    assert {e["action"] for e in log["items"]} >= {"update"}
    assert "lookup" not in {e["action"] for e in log["items"]}
    # The national auditors still see the whole of it.
    full = world.client.get(
        f"/v1/persons/{mover['id']}/history", headers=world.headers("admin", "000000")
    ).json()
    assert [v["version"] for v in full["items"]] == [1, 2, 3]


def _subject(world: World, region: str) -> str:
    client_id, _ = world.credentials._cached_client("public_security", region, None, None)
    return client_id
