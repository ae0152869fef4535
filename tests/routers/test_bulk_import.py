"""Bulk exchange: `POST /v1/{resource}:import` with NDJSON (interface §4)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, func, select

from api.bulk import importer as bulk_import
from api.models import AuditEvent, Birth, FeedEvent, Marriage, Person, RecordVersion
from tests.factories import (
    OMIT,
    birth_body,
    household_entry_body,
    marriage_body,
    person_body,
    ultrasound_exam_body,
)

NDJSON = "application/x-ndjson"
Headers = Callable[..., dict[str, str]]


def ndjson(*records: Any) -> bytes:
    """One JSON document a line; strings are sent as they are (to test bad lines)."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode()


def send(
    client: TestClient,
    resource: str,
    body: bytes,
    headers: dict[str, str],
    content_type: str = NDJSON,
) -> Response:
    return client.post(
        f"/v1/{resource}:import", content=body, headers={**headers, "Content-Type": content_type}
    )


def imported(client: TestClient, resource: str, body: bytes, headers: dict[str, str]) -> Any:
    response = send(client, resource, body, headers)
    assert response.status_code == 200, response.text
    return response.json()


Read = Callable[[Any], list[Any]]


@pytest.fixture
def read(app: FastAPI) -> Read:
    """Run a query in its own short transaction (on SQLite, an open one blocks the app)."""

    def run(query: Any) -> list[Any]:
        with Session(app.state.engine, expire_on_commit=False) as session:
            rows = list(session.exec(query).all())
            session.expunge_all()
            return rows

    return run


def count(read: Read, model: Any) -> int:
    [total] = read(select(func.count()).select_from(model))
    return int(total)


def birth_with(read: Read, certificate_no: str) -> Birth:
    [birth] = read(select(Birth).where(Birth.certificate_no == certificate_no))
    return birth


# -- idempotency ----------------------------------------------------------------------------


def test_the_same_file_twice_creates_nothing_the_second_time(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    headers = auth_headers("maternal_health")
    body = ndjson(*(birth_body() for _ in range(5)))

    first = imported(client, "births", body, headers)
    second = imported(client, "births", body, headers)

    assert first | {"errors": None} == {
        "received": 5, "created": 5, "updated": 0, "unchanged": 0, "rejected": 0,
        "errors": None, "errors_truncated": False, "max_reported_errors": 1000,
    }  # fmt: skip
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 5)
    assert count(read, Birth) == 5
    assert count(read, RecordVersion) == 5


def test_a_line_with_other_content_for_a_known_key_is_a_new_version_with_history(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    headers = auth_headers("maternal_health")
    births = [birth_body() for _ in range(3)]
    imported(client, "births", ndjson(*births), headers)
    births[1]["birth_weight_g"] = 3900

    answer = imported(client, "births", ndjson(*births), headers)

    assert (answer["created"], answer["updated"], answer["unchanged"]) == (0, 1, 2)
    corrected = birth_with(read, births[1]["certificate_no"])
    assert (corrected.version, corrected.birth_weight_g) == (2, 3900)
    history = client.get(f"/v1/births/{corrected.id}/history", headers=headers).json()["items"]
    assert [(v["version"], v["action"]) for v in history] == [(1, "create"), (2, "update")]
    assert [v["record"]["birth_weight_g"] for v in history] == [3250, 3900]


def test_a_repeated_key_in_one_file_first_wins_then_is_unchanged_or_updated(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    birth = birth_body()
    heavier = {**birth, "birth_weight_g": 4100}

    answer = imported(
        client, "births", ndjson(birth, birth, heavier), auth_headers("maternal_health")
    )

    assert (answer["created"], answer["unchanged"], answer["updated"]) == (1, 1, 1)
    stored = birth_with(read, birth["certificate_no"])
    assert (stored.version, stored.birth_weight_g) == (2, 4100)
    assert count(read, RecordVersion) == 2


# -- bad lines ------------------------------------------------------------------------------


def test_a_file_with_one_percent_bad_lines_stores_exactly_the_valid_ones(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    births = [birth_body() for _ in range(300)]
    births[49]["mother"] = {**births[49]["mother"], "id_number": "420202199503040000"}
    births[149]["birth_weight_g"] = 9000
    del births[298]["child_sex"]

    answer = imported(client, "births", ndjson(*births), auth_headers("maternal_health"))

    assert (answer["received"], answer["created"], answer["rejected"]) == (300, 297, 3)
    assert [(e["line"], [x["field"] for x in e["errors"]]) for e in answer["errors"]] == [
        (50, ["mother.id_number"]),
        (150, ["birth_weight_g"]),
        (299, ["child_sex"]),
    ]
    stored = set(read(select(Birth.certificate_no)))
    assert stored == {b["certificate_no"] for i, b in enumerate(births) if i not in (49, 149, 298)}


def test_lines_that_are_not_json_objects_are_rejected_one_by_one(
    client: TestClient, auth_headers: Headers
) -> None:
    body = ndjson(birth_body(), "not json", json.dumps([birth_body()]), "{", birth_body())

    answer = imported(client, "births", body, auth_headers("maternal_health"))

    assert (answer["created"], answer["rejected"]) == (2, 3)
    assert [e["line"] for e in answer["errors"]] == [2, 3, 4]
    assert all(e["errors"][0]["field"] == "body" for e in answer["errors"])


def test_an_unknown_field_rejects_its_line(client: TestClient, auth_headers: Headers) -> None:
    answer = imported(
        client, "births", ndjson(birth_body(apgar=9), birth_body()), auth_headers("maternal_health")
    )

    assert answer["created"] == 1
    assert answer["errors"] == [
        {"line": 1, "errors": [{"field": "apgar", "message": "unknown field"}]}
    ]


def test_a_line_over_one_mebibyte_is_rejected_without_failing_the_file(
    client: TestClient, auth_headers: Headers
) -> None:
    huge = birth_body(facility_code="F" * (1024 * 1024 + 10))

    answer = imported(
        client, "births", ndjson(birth_body(), huge, birth_body()), auth_headers("maternal_health")
    )

    assert (answer["created"], answer["rejected"]) == (2, 1)
    assert answer["errors"][0]["line"] == 2
    assert "longer than" in answer["errors"][0]["errors"][0]["message"]


def test_blank_lines_and_crlf_are_accepted_and_line_numbers_count_every_line(
    client: TestClient, auth_headers: Headers
) -> None:
    body = b"\r\n".join(
        [json.dumps(birth_body()).encode(), b"", b"  ", b"[]", json.dumps(birth_body()).encode()]
    )

    answer = imported(client, "births", body, auth_headers("maternal_health"))

    assert (answer["received"], answer["created"]) == (3, 2)
    assert [e["line"] for e in answer["errors"]] == [4]


def test_the_error_list_is_capped_but_the_counts_are_complete(
    client: TestClient, auth_headers: Headers
) -> None:
    answer = imported(client, "births", b"{}\n" * 1200, auth_headers("maternal_health"))

    assert (answer["received"], answer["rejected"]) == (1200, 1200)
    assert len(answer["errors"]) == 1000
    assert answer["errors"][-1]["line"] == 1000
    assert answer["errors_truncated"] is True


def test_an_ultrasound_exam_recording_fetal_sex_is_refused_line_by_line(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    exams = [ultrasound_exam_body(), ultrasound_exam_body(fetal_sex="male")]

    answer = imported(client, "ultrasound-exams", ndjson(*exams), auth_headers("maternal_health"))

    assert (answer["created"], answer["rejected"]) == (1, 1)
    [error] = answer["errors"]
    assert error["line"] == 2
    assert "fetal sex" in json.dumps(error, ensure_ascii=False)


# -- jurisdiction, media type, scopes -------------------------------------------------------


def test_a_line_outside_the_jurisdiction_is_rejected_on_its_region_field(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    wuhan = birth_body(birth_region="420102")

    answer = imported(
        client, "births", ndjson(birth_body(), wuhan), auth_headers("maternal_health", "420200")
    )

    assert answer["created"] == 1
    assert answer["errors"] == [
        {"line": 2, "errors": [{"field": "birth_region", "message": "outside your jurisdiction"}]}
    ]
    assert count(read, Birth) == 1


def test_a_known_key_held_outside_the_jurisdiction_is_not_touched(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    wuhan = birth_body(birth_region="420102")
    imported(client, "births", ndjson(wuhan), auth_headers("maternal_health", "420000"))
    moved = {**wuhan, "birth_region": "420202"}

    answer = imported(client, "births", ndjson(moved), auth_headers("maternal_health", "420200"))

    assert answer["rejected"] == 1
    assert answer["errors"][0]["errors"][0]["field"] == "certificate_no"
    assert birth_with(read, wuhan["certificate_no"]).birth_region == "420102"


def test_a_void_record_is_not_corrected_by_an_import(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    headers = auth_headers("maternal_health")
    birth = birth_body()
    record_id = client.post("/v1/births", json=birth, headers=headers).json()["id"]
    client.post(f"/v1/births/{record_id}/void", json={"reason": "duplicate"}, headers=headers)

    same = imported(client, "births", ndjson(birth), headers)
    other = imported(client, "births", ndjson({**birth, "birth_weight_g": 3000}), headers)

    assert same["unchanged"] == 1
    assert other["rejected"] == 1
    assert "void" in other["errors"][0]["errors"][0]["message"]


def test_another_content_type_is_415(client: TestClient, auth_headers: Headers) -> None:
    response = send(
        client, "births", ndjson(birth_body()), auth_headers("maternal_health"), "application/json"
    )

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Content-Type"


def test_an_empty_body_imports_nothing(client: TestClient, auth_headers: Headers) -> None:
    answer = imported(client, "births", b"", auth_headers("maternal_health"))

    assert {k: answer[k] for k in ("received", "created", "rejected")} == {
        "received": 0, "created": 0, "rejected": 0,
    }  # fmt: skip


def test_importing_needs_the_resource_write_scope(
    client: TestClient, auth_headers: Headers
) -> None:
    body = ndjson(birth_body())

    assert send(client, "births", body, {}).status_code == 401
    assert send(client, "births", body, auth_headers("public_security")).status_code == 403
    assert (
        send(client, "persons", ndjson(person_body()), auth_headers("maternal_health")).status_code
        == 403
    )


# -- what an import writes besides the records ----------------------------------------------


def test_an_import_announces_every_record_and_audits_each_batch_once(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    imported(
        client, "births", ndjson(*(birth_body() for _ in range(4))), auth_headers("maternal_health")
    )

    events = read(select(FeedEvent).order_by(col(FeedEvent.seq)))
    assert [e.type for e in events] == ["birth.registered"] * 4
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 4))
    audits = read(select(AuditEvent).where(AuditEvent.action == "import"))
    assert len(audits) == 1
    assert sorted(audits[0].record_ids) == sorted(e.record_id for e in events)
    assert audits[0].resource == "births"


def test_a_birth_whose_mother_is_a_known_person_is_mother_verified(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    mother = person_body()
    created = client.post("/v1/persons", json=mother, headers=auth_headers("public_security"))
    assert created.status_code == 201, created.text
    known = birth_body(mother={"id_number": mother["id_number"], "name": mother["name"]})
    unknown = birth_body()

    imported(client, "births", ndjson(known, unknown), auth_headers("maternal_health"))

    assert birth_with(read, known["certificate_no"]).mother_verified is True
    assert birth_with(read, unknown["certificate_no"]).mother_verified is False
    [audit] = read(select(AuditEvent).where(AuditEvent.action == "import"))
    assert audit.person_ids == [created.json()["id"]]


def test_persons_are_imported_with_their_source_and_corrected_by_a_later_file(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    headers = auth_headers("public_security")
    people = [person_body(), person_body(ethnicity=OMIT)]
    imported(client, "persons", ndjson(*people), headers)
    people[1]["ethnicity"] = "03"

    answer = imported(client, "persons", ndjson(*people), headers)

    assert (answer["unchanged"], answer["updated"]) == (1, 1)
    [stored] = read(select(Person).where(Person.id_number == people[1]["id_number"]))
    assert (stored.version, stored.ethnicity, stored.sources) == (2, "03", ["public_security"])
    assert stored.jurisdiction_region == people[1]["household_region"]


def test_household_entries_create_their_persons_and_a_refused_entry_leaves_nothing(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    headers = auth_headers("public_security")
    entry = household_entry_body()
    died = household_entry_body(entry_type="death", person=entry["person"])
    moved_after_death = household_entry_body(
        person=entry["person"], registered_on=died["registered_on"], entry_type="move_in"
    )
    moved_after_death["household_no"] = "4202029999"

    answer = imported(client, "household-entries", ndjson(entry, died, moved_after_death), headers)

    assert (answer["created"], answer["rejected"]) == (2, 1)
    assert answer["errors"][0]["line"] == 3
    [person] = read(select(Person).where(Person.id_number == entry["person"]["id_number"]))
    assert person.status == "deceased"
    again = imported(client, "household-entries", ndjson(entry, died), headers)
    assert again["unchanged"] == 2


def test_marriages_set_both_parties_marital_status(
    client: TestClient, auth_headers: Headers, read: Read
) -> None:
    husband, wife = person_body(sex="male"), person_body()
    for person in (husband, wife):
        client.post("/v1/persons", json=person, headers=auth_headers("public_security"))
    marriage = marriage_body(
        party_a={"id_number": husband["id_number"], "name": husband["name"]},
        party_b={"id_number": wife["id_number"], "name": wife["name"]},
    )

    answer = imported(client, "marriages", ndjson(marriage), auth_headers("civil_affairs"))

    assert answer["created"] == 1, answer
    assert count(read, Marriage) == 1
    statuses = read(
        select(Person.marital_status).where(
            col(Person.id_number).in_([husband["id_number"], wife["id_number"]])
        )
    )
    assert statuses == ["21", "21"]


def test_imported_records_are_found_by_the_list_filters_like_created_ones(
    client: TestClient, auth_headers: Headers
) -> None:
    headers = auth_headers("maternal_health")
    imported_birth, created_birth = birth_body(), birth_body()
    imported(client, "births", ndjson(imported_birth), headers)
    client.post("/v1/births", json=created_birth, headers=headers)
    day = imported_birth["birth_datetime"][:10]

    listed = client.get(
        "/v1/births", params={"date_from": day, "date_to": day}, headers=headers
    ).json()["items"]

    assert [b["certificate_no"] for b in listed] == [
        imported_birth["certificate_no"],
        created_birth["certificate_no"],
    ]
    assert listed[0]["birth_datetime"] == listed[1]["birth_datetime"]


def test_an_import_the_database_stops_answers_503_with_its_progress(
    client: TestClient, auth_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> Any:
        raise OperationalError("INSERT", None, Exception("server closed the connection"))

    monkeypatch.setattr(bulk_import, "store_prepared", refuse)

    response = send(client, "births", ndjson(birth_body()), auth_headers("maternal_health"))

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["progress"]["created"] == 0
