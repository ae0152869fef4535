"""Issue #9, defects 3 and 10: inputs that used to reach the database (500s, tracebacks
full of ID numbers) or to be read loosely (numbers as dates, weak ETags, fetal sex in words).

Every answer here is a 4xx naming what was wrong; none is a 5xx.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from tests import factories
from tests.adversarial.conftest import (
    HUANGSHI,
    Json,
    World,
    cursor_of,
    stored_state,
)

YEAR_ONE = "0001-01-01T00:00:00+01:00"
YEAR_9999 = "9999-12-31T23:59:59-01:00"
NDJSON = {"Content-Type": "application/x-ndjson"}


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in fields(response), response.text


# -- instants ---------------------------------------------------------------------------


@pytest.mark.parametrize("instant", [YEAR_ONE, YEAR_9999, "1899-12-31T12:00:00+08:00", 0, 1e12])
def test_a_birth_or_exam_instant_out_of_range_is_422(world: World, instant: Any) -> None:
    mh = world.headers("maternal_health")
    birth = factories.birth_body(birth_datetime=instant)
    exam = factories.ultrasound_exam_body(exam_datetime=instant)
    refused(world.client.post("/v1/births", json=birth, headers=mh), "birth_datetime")
    refused(world.client.post("/v1/ultrasound-exams", json=exam, headers=mh), "exam_datetime")


# Lists that page by a cursor, and who may read them.
CURSOR_LISTS = {
    "/v1/births": "maternal_health",
    "/v1/ultrasound-exams": "maternal_health",
    "/v1/persons": "public_security",
    "/v1/household-entries": "public_security",
    "/v1/marriages": "civil_affairs",
    "/v1/crosscheck/runs": "health_commission",
    "/v1/discrepancies": "health_commission",
    "/v1/audit-events": "auditor",
}
FORGED_CURSORS = {
    "year one": cursor_of([YEAR_ONE, "x"]),
    "year 9999": cursor_of([YEAR_9999, "x"]),
    "NUL in the id": cursor_of(["2026-03-01T00:00:00+08:00", "a\x00b"]),
    "huge number": cursor_of([10**30, 10**30]),
    "nested": cursor_of([{"a": 1}, ["b"]]),
    "not base64": "%%%",
}


@pytest.mark.parametrize("path", sorted(CURSOR_LISTS))
@pytest.mark.parametrize("name", sorted(FORGED_CURSORS))
def test_a_forged_list_cursor_is_422(world: World, path: str, name: str) -> None:
    headers = world.headers(CURSOR_LISTS[path])
    response = world.client.get(path, params={"cursor": FORGED_CURSORS[name]}, headers=headers)
    refused(response, "cursor")


@pytest.mark.parametrize("name", sorted(FORGED_CURSORS))
def test_a_forged_cursor_on_an_access_log_or_the_feed_is_422(world: World, name: str) -> None:
    person = world.person()
    auditor = world.headers("auditor")
    url = f"/v1/persons/{person['id']}/access-log"
    refused(
        world.client.get(url, params={"cursor": FORGED_CURSORS[name]}, headers=auditor), "cursor"
    )
    feed = world.client.get(
        "/v1/feed", params={"after": FORGED_CURSORS[name]}, headers=world.headers("public_security")
    )
    assert feed.status_code == 422, feed.text


@pytest.mark.parametrize(("param", "value"), [("from", YEAR_ONE), ("to", YEAR_9999), ("to", "0")])
def test_audit_event_bounds_out_of_range_are_422(world: World, param: str, value: str) -> None:
    response = world.client.get(
        "/v1/audit-events", params={param: value}, headers=world.headers("auditor")
    )
    refused(response, param)


# -- numbers are not dates ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "20260301", "-1", "1e9"])
def test_a_number_is_not_a_date_in_a_query(world: World, value: str) -> None:
    headers = world.headers("maternal_health")
    refused(world.client.get("/v1/births", params={"date_to": value}, headers=headers), "date_to")
    stats = world.client.get(
        "/v1/stats/births-by-month",
        params={"from": value},
        headers=world.headers("health_commission"),
    )
    refused(stats, "from")


# Each number would be read as the right day by a lax parser (seconds since 1970).
_1995_03_04 = 794275200
_TEN_DAYS_AGO = int(
    datetime.combine(factories.days_ago(10), datetime.min.time(), tzinfo=UTC).timestamp()
)


@pytest.mark.parametrize("as_text", [False, True])
def test_a_number_is_not_a_date_in_a_body(world: World, as_text: bool) -> None:
    ps = world.headers("public_security")
    registered: Any = str(_TEN_DAYS_AGO) if as_text else _TEN_DAYS_AGO
    entry = factories.household_entry_body(registered_on=registered)
    refused(world.client.post("/v1/household-entries", json=entry, headers=ps), "registered_on")
    born: Any = str(_1995_03_04) if as_text else _1995_03_04
    person = factories.person_body(birth_date=born)
    refused(world.client.post("/v1/persons", json=person, headers=ps), "birth_date")


# -- control characters -------------------------------------------------------------------

CONTROL = ["\x00", "\x01", "\x1b", "\x7f", "\u0085"]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(
    ("path", "param", "department"),
    [
        ("/v1/births", "status", "maternal_health"),
        ("/v1/births", "region", "maternal_health"),
        ("/v1/persons", "date_from", "public_security"),
        ("/v1/audit-events", "actor", "auditor"),
        ("/v1/audit-events", "purpose", "auditor"),
        ("/v1/feed", "types", "public_security"),
        ("/v1/discrepancies", "assignee", "health_commission"),
    ],
)
def test_a_control_character_in_a_query_parameter_is_422_naming_it(
    world: World, path: str, param: str, department: str, char: str
) -> None:
    response = world.client.get(path, params={param: f"a{char}"}, headers=world.headers(department))
    refused(response, param)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/persons/%00", "record_id"),
        ("/v1/persons/%00/history", "record_id"),
        ("/v1/persons/%00/access-log", "record_id"),
        ("/v1/births/a%01b", "record_id"),
        ("/v1/crosscheck/runs/%00", "run_id"),
    ],
)
def test_a_control_character_in_a_path_parameter_is_422_naming_it(
    world: World, path: str, field: str
) -> None:
    refused(world.client.get(path, headers=world.headers("admin")), field)


def test_a_control_character_in_a_header_or_form_field_is_422(world: World) -> None:
    headers = {**world.headers("maternal_health"), "X-Case-Id": "HJ\x01"}
    refused(world.client.get("/v1/births", headers=headers), "x-case-id")
    token = world.client.post(
        "/oauth/token", data={"grant_type": "password", "username": "a\x00", "password": "x"}
    )
    refused(token, "username")


@pytest.mark.parametrize("char", [*CONTROL, "\ud800"])
def test_a_control_character_in_any_body_field_is_422_naming_it(world: World, char: str) -> None:
    mh = world.headers("maternal_health")
    cases: list[tuple[str, Json, str]] = [
        ("/v1/births", factories.birth_body(facility_code=f"F{char}1"), "facility_code"),
        (
            "/v1/births",
            factories.birth_body(mother={**factories.person_ref(), "name": f"王{char}芳"}),
            "mother.name",
        ),
        (
            "/v1/ultrasound-exams",
            factories.ultrasound_exam_body(findings_summary=f"宫内单活胎{char}"),
            "findings_summary",
        ),
    ]
    for path, body, field in cases:
        response = world.client.post(
            path, content=json.dumps(body, ensure_ascii=True), headers={**mh, **JSON_TYPE}
        )
        refused(response, field)
    birth = world.birth()
    void = world.client.post(
        f"/v1/births/{birth['id']}/void",
        content=json.dumps({"reason": f"错{char}误"}),
        headers={**mh, **JSON_TYPE},
    )
    refused(void, "reason")


JSON_TYPE = {"Content-Type": "application/json"}


def test_line_breaks_stay_allowed_in_free_text(world: World) -> None:
    exam = world.exam(world.person(sex="female"))
    corrected = world.client.patch(
        f"/v1/ultrasound-exams/{exam['id']}",
        json={"findings_summary": "宫内单活胎。\n胎心规律。"},
        headers={**world.headers("maternal_health"), "If-Match": '"1"'},
    )
    assert corrected.status_code == 200, corrected.text


# -- one bad line rejects that line only -------------------------------------------------------


def _ndjson(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("resource", "good", "bad"),
    [
        (
            "births",
            factories.birth_body,
            [
                {"birth_datetime": YEAR_ONE},
                {"facility_code": "F\x001"},
                {"child_name": "王\ud800"},
                {"birth_datetime": 0},
            ],
        ),
        (
            "ultrasound-exams",
            factories.ultrasound_exam_body,
            [
                {"exam_datetime": YEAR_ONE},
                {"findings_summary": "x\x00"},
                {"findings_summary": "男胎"},
            ],
        ),
        (
            "household-entries",
            factories.household_entry_body,
            [{"registered_on": 0}, {"household_no": "H\x00"}, {"entry_type": "death"}],
        ),
    ],
)
def test_an_import_rejects_the_bad_lines_and_stores_the_good_ones(
    world: World, resource: str, good: Any, bad: list[Json]
) -> None:
    department = "public_security" if resource == "household-entries" else "maternal_health"
    lines = [json.dumps(good())]
    lines += [json.dumps(good(**overrides), ensure_ascii=True) for overrides in bad]
    lines += ["[1, 2]", '{"certificate_no": ', json.dumps(good())]
    response = world.client.post(
        f"/v1/{resource}:import",
        content=_ndjson(*lines),
        headers={**world.headers(department), **NDJSON},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["received"], answer["created"]) == (len(lines), 2)
    assert sorted(e["line"] for e in answer["errors"]) == list(range(2, len(lines)))


# -- ETags, bodies, rules ---------------------------------------------------------------------


@pytest.mark.parametrize("if_match", ['W/"1"', 'w/"1"', "W/1", '"1", "2"', "*", "1", '"-1"'])
def test_a_weak_or_unreadable_if_match_is_refused(
    world: World, app: FastAPI, if_match: str
) -> None:
    birth = world.birth()
    before = stored_state(app)
    response = world.client.patch(
        f"/v1/births/{birth['id']}",
        json={"child_name": "王小明"},
        headers={**world.headers("maternal_health"), "If-Match": if_match},
    )
    assert response.status_code in (412, 428), response.text
    assert fields(response) == ["If-Match"]
    assert stored_state(app) == before


def test_a_weak_if_match_is_refused_with_a_strong_match_message(world: World) -> None:
    birth = world.birth()
    response = world.client.patch(
        f"/v1/births/{birth['id']}",
        json={"child_name": "王小明"},
        headers={**world.headers("maternal_health"), "If-Match": 'W/"1"'},
    )
    assert response.status_code == 412
    assert "strong" in response.json()["detail"]
    strong = world.client.patch(
        f"/v1/births/{birth['id']}",
        json={"child_name": "王小明"},
        headers={**world.headers("maternal_health"), "If-Match": '"1"'},
    )
    assert strong.status_code == 200, strong.text


@pytest.mark.parametrize(
    "raw", [b'{"certificate_no": ', b"\xff\xfe\x00", b"{'a': 1}", b"", b"NaN", b"[1,2"]
)
def test_a_body_that_does_not_parse_names_the_body(world: World, raw: bytes) -> None:
    response = world.client.post(
        "/v1/births", content=raw, headers={**world.headers("maternal_health"), **JSON_TYPE}
    )
    assert response.status_code in (400, 422), response.text
    assert fields(response) == ["body"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_datetime": factories.instant(factories.days_ago(-3))}, "birth_datetime"),
        ({"plurality": 1, "birth_order": 2}, "birth_order"),
    ],
)
def test_a_model_rule_names_its_field_not_the_body(
    world: World, overrides: Json, field: str
) -> None:
    response = world.client.post(
        "/v1/births",
        json=factories.birth_body(**overrides),
        headers=world.headers("maternal_health"),
    )
    assert response.status_code == 422
    assert fields(response) == [field]


@pytest.mark.parametrize(
    "summary",
    ["胎儿性别：男", "男胎", "女胎", "胎儿为男性", "胎儿为女性", "性别鉴定", "fetal sex: F"],
)
def test_fetal_sex_in_words_is_refused_like_the_key(world: World, summary: str) -> None:
    mh = world.headers("maternal_health")
    worded = world.client.post(
        "/v1/ultrasound-exams",
        json=factories.ultrasound_exam_body(findings_summary=summary),
        headers=mh,
    )
    keyed = world.client.post(
        "/v1/ultrasound-exams", json=factories.ultrasound_exam_body(fetal_sex="male"), headers=mh
    )
    assert worded.status_code == keyed.status_code == 422
    assert worded.json()["detail"] == keyed.json()["detail"]
    assert fields(worded) == ["findings_summary"]


def test_fetal_sex_in_words_is_refused_in_a_correction_too(world: World) -> None:
    exam = world.exam(world.person(sex="female"), region=HUANGSHI)
    response = world.client.patch(
        f"/v1/ultrasound-exams/{exam['id']}",
        json={"findings_summary": "胎儿性别：女"},
        headers={**world.headers("maternal_health"), "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert fields(response) == ["findings_summary"]
