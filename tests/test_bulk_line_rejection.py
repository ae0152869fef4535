"""A value the database refuses rejects its own import line, not the batch (issue #9, defect 3).

The schemas catch what the database would refuse; should one ever slip through, the batch
is stored again line by line, so that only the offending line is lost and reported.
"""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DataError
from sqlmodel import Session, select

from api.bulk import importer
from api.bulk.importer import prepare_batch, store_prepared
from api.bulk.lines import Line
from api.models import Birth
from api.records.registries.births import BIRTHS
from tests.factories import access_for, birth_body

POISON = "Z999999999"


def test_a_line_the_database_refuses_is_rejected_alone(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.store_batch

    def refusing(session: Session, kind: Any, access: Any, lines: list[Any]) -> Any:
        if any(line.values["certificate_no"] == POISON for line in lines):
            raise DataError("INSERT ...", {}, Exception("value too long"))
        return real(session, kind, access, lines)

    monkeypatch.setattr(importer, "store_batch", refusing)
    bodies = [birth_body(), birth_body(certificate_no=POISON), birth_body()]
    lines = [Line(n, json.dumps(b)) for n, b in enumerate(bodies, start=1)]
    access = access_for("maternal_health")

    outcome = store_prepared(app.state.engine, BIRTHS, access, prepare_batch(BIRTHS, access, lines))

    assert (outcome.received, outcome.created) == (3, 2)
    assert [(e.line, e.errors[0]["field"]) for e in outcome.rejected] == [(2, "body")]
    with Session(app.state.engine) as session:
        stored = session.exec(select(Birth.certificate_no)).all()
    assert sorted(stored) == sorted([bodies[0]["certificate_no"], bodies[2]["certificate_no"]])
