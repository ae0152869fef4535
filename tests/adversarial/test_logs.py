"""Issue #9, defect 3: no personal identifier reaches the server log, whatever fails.

Failing requests are sent with the log captured at DEBUG, and the captured text is
searched for the ID numbers and names they carried; a database error and a traceback
are forced to show that neither the statement's values nor an exception's message leak.
"""

import json
import logging
import re

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.validation.redaction import install_log_redaction, redact
from tests import factories
from tests.adversarial.conftest import ID_NUMBER, World

NAME = "欧阳娜娜"


def _leaks(log_text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in log_text] + ID_NUMBER.findall(log_text)


def test_failing_requests_leave_no_identifier_in_the_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = world.person(name=NAME)
    mother = {"id_number": person["id_number"], "name": NAME}
    mh, ps = world.headers("maternal_health"), world.headers("public_security")
    bad = [
        (
            "/v1/births",
            factories.birth_body(mother=mother, birth_datetime="0001-01-01T00:00:00+01:00"),
        ),
        ("/v1/births", factories.birth_body(mother={**mother, "name": f"{NAME}\x00"})),
        ("/v1/persons", factories.person_body(id_number=person["id_number"], name=NAME)),
        ("/v1/persons/lookup", {"id_number": person["id_number"], "extra": NAME}),
        ("/v1/ultrasound-exams", factories.ultrasound_exam_body(examinee=mother, fetal_sex="男")),
    ]
    for path, body in bad:
        headers = ps if path.startswith("/v1/persons") else mh
        response = world.client.post(path, content=json.dumps(body), headers=headers)
        assert 400 <= response.status_code < 500, response.text
    lines = "\n".join(
        json.dumps(factories.birth_body(mother=mother, facility_code=code))
        for code in ("F\x00", "F1")
    )
    world.client.post(
        "/v1/births:import",
        content=lines + "\n",
        headers={**mh, "Content-Type": "application/x-ndjson"},
    )

    assert _leaks(caplog.text, [person["id_number"], NAME]) == []


def test_a_database_error_does_not_carry_the_statements_values(app: FastAPI) -> None:
    id_number = factories.id_number()
    assert app.state.engine.hide_parameters
    with pytest.raises(SQLAlchemyError) as failed, app.state.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": id_number})
    assert id_number not in str(failed.value)


def test_a_logged_traceback_is_redacted(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    id_number = factories.id_number()
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError(f"Key (id_number)=({id_number}) already exists; name {NAME}")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    logging.getLogger("api").warning("record %s of %s", id_number, NAME)

    assert "Exception in ASGI application" in caplog.text
    assert _leaks(caplog.text, [id_number, NAME]) == []


def test_redaction_keeps_what_is_not_personal() -> None:
    id_number = factories.id_number()
    assert redact(f"batch 3 of births: {id_number} 王芳") == "batch 3 of births: [id-number] [name]"
    kept = "run 4f9a2c1e-0000-4000-8000-000000000000 failed after 12345678901234567 ms"
    assert redact(kept) == kept
    assert re.fullmatch(r"\[id-number\]", redact(id_number.lower()))
