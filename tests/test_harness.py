"""The test harness itself: every test gets the migrated state, and factories build valid data."""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import text

from api.db import build_engine
from api.models.birth import BirthIn
from api.models.household_entry import HouseholdEntryIn
from api.models.marriage import MarriageIn
from api.models.person import PersonIn
from api.models.ultrasound_exam import UltrasoundExamIn
from api.validation import id_number_birth_date, id_number_sex, normalize_id_number
from tests import factories
from tests.harness import Template


def test_a_fresh_database_has_the_seed_rows_and_nothing_else(
    database_template: Template, tmp_path: Path
) -> None:
    url = database_template.fresh_database(tmp_path)
    engine = build_engine(url)
    try:
        with engine.begin() as connection:
            heads = connection.execute(text("SELECT COUNT(*) FROM journal_head")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO revoked_token (jti, expires_at, revoked_at) "
                    "VALUES ('left-behind', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(text("UPDATE journal_head SET last_seq = 41"))
    finally:
        engine.dispose()
    assert heads > 0

    url = database_template.fresh_database(tmp_path)
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM revoked_token")).scalar() == 0
            seqs = connection.execute(text("SELECT last_seq FROM journal_head")).scalars().all()
            assert len(seqs) == heads
            assert set(seqs) == {0}
    finally:
        engine.dispose()


def test_factory_id_numbers_are_valid_and_agree_with_birth_date_and_sex() -> None:
    for sex in ("male", "female"):
        number = factories.id_number(birth_date=date(1988, 2, 29), sex=sex)
        assert normalize_id_number(number) == number
        assert id_number_birth_date(number) == date(1988, 2, 29)
        assert id_number_sex(number) == sex


def test_factory_identifiers_differ_on_every_call() -> None:
    assert len({factories.certificate_no() for _ in range(200)}) == 200
    assert len({factories.id_number() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    ("schema", "build"),
    [
        (PersonIn, factories.person_body),
        (BirthIn, lambda: factories.birth_body(father=factories.person_ref("male"))),
        (UltrasoundExamIn, factories.ultrasound_exam_body),
        (HouseholdEntryIn, factories.household_entry_body),
        (HouseholdEntryIn, lambda: factories.household_birth_entry_body(factories.birth_body())),
        (MarriageIn, factories.marriage_body),
    ],
)
def test_factory_bodies_are_accepted_by_the_request_schemas(
    schema: type[BaseModel], build: Callable[[], dict[str, Any]]
) -> None:
    schema.model_validate(build())


def test_omit_removes_a_field() -> None:
    assert "mother" not in factories.birth_body(mother=factories.OMIT)
