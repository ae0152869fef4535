"""Pydantic field types: they apply the validators, report the field, and document themselves."""

import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from api.validation import (
    BirthWeightG,
    CertificateNo,
    EthnicityCode,
    ExamGestationalWeeks,
    GestationalWeeks,
    IdNumber,
    PersonName,
    Plurality,
    RegionCode,
    RegionPrefix,
    id_number_check_char,
)

KNOWN_VALID_X = "11010519491231002X"


def make_id(region: str = "420202", born: str = "19900101", seq: str = "123") -> str:
    """Build a valid ID number with the right check character."""
    first17 = region + born + seq
    return first17 + id_number_check_char(first17)


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber
    name: PersonName
    ethnicity: EthnicityCode
    household_region: RegionCode
    jurisdiction: RegionPrefix
    certificate_no: CertificateNo


class Birth(BaseModel):
    birth_weight_g: BirthWeightG
    gestational_weeks: GestationalWeeks
    plurality: Plurality


class Exam(BaseModel):
    gestational_weeks: ExamGestationalWeeks


VALID: dict[str, Any] = {
    "id_number": "11010519491231002x",
    "name": "买买提・艾力",
    "ethnicity": "05",
    "household_region": "420202001001",
    "jurisdiction": "420200",
    "certificate_no": "q420212345",
}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    """Validate and return {field: message} of the failures."""
    with pytest.raises(ValidationError) as excinfo:
        Person.model_validate(data)
    return {".".join(map(str, e["loc"])): e["msg"] for e in excinfo.value.errors()}


def test_valid_values_pass_and_come_out_normalised() -> None:
    person = Person.model_validate(VALID)
    assert person.id_number == KNOWN_VALID_X
    assert person.name == "买买提·艾力"
    assert person.certificate_no == "Q420212345"
    assert person.household_region == "420202001001"


def test_types_work_from_json_too() -> None:
    data = {**VALID, "id_number": make_id(), "name": "吉\U00020bb7", "jurisdiction": "000000"}
    person = Person.model_validate_json(json.dumps(data, ensure_ascii=False))
    assert person.name == "吉\U00020bb7"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", KNOWN_VALID_X[:17] + "0", "check character"),
        ("id_number", " " + KNOWN_VALID_X, "whitespace"),
        ("name", "张\x00三", "control or invisible character"),
        ("name", "张" * 65, "at most 64 characters"),
        ("ethnicity", "57", "GB 3304"),
        ("household_region", "420299", "unknown region code"),
        ("jurisdiction", "4202", "6 digits"),
        ("certificate_no", "Q42021234", "one letter followed by 9 digits"),
    ],
)
def test_invalid_value_is_reported_on_its_field_with_the_validator_message(
    field: str, value: str, message: str
) -> None:
    errors = errors_of({**VALID, field: value})
    assert list(errors) == [field]
    assert message in errors[field]


@pytest.mark.parametrize(
    "field",
    ["id_number", "name", "ethnicity", "household_region", "jurisdiction", "certificate_no"],
)
def test_non_strings_are_rejected_not_coerced(field: str) -> None:
    errors = errors_of({**VALID, field: 420202})
    assert errors[field] == "Input should be a valid string"


def test_non_string_id_number_in_json_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Person.model_validate_json(
            '{"id_number": 110105194912310021, "name": "张三", "ethnicity": "01", '
            '"household_region": "420202", "jurisdiction": "420000", '
            '"certificate_no": "Q420212345"}'
        )


def test_birth_ranges_are_enforced() -> None:
    assert Birth(birth_weight_g=3200, gestational_weeks=39, plurality=1).plurality == 1
    with pytest.raises(ValidationError) as excinfo:
        Birth(birth_weight_g=299, gestational_weeks=46, plurality=9)
    assert {e["loc"][0] for e in excinfo.value.errors()} == {
        "birth_weight_g",
        "gestational_weeks",
        "plurality",
    }


def test_range_types_refuse_strings_and_floats() -> None:
    with pytest.raises(ValidationError):
        Birth.model_validate({"birth_weight_g": "3200", "gestational_weeks": 39, "plurality": 1})
    with pytest.raises(ValidationError):
        Birth.model_validate({"birth_weight_g": 3200.0, "gestational_weeks": 39, "plurality": 1})


def test_exam_gestational_weeks_start_at_4() -> None:
    assert Exam(gestational_weeks=4).gestational_weeks == 4
    with pytest.raises(ValidationError):
        Exam(gestational_weeks=3)


def test_json_schema_documents_patterns_and_examples() -> None:
    props = Person.model_json_schema()["properties"]
    assert props["id_number"]["pattern"] == "^[0-9]{17}[0-9Xx]$"
    assert props["id_number"]["examples"] == [KNOWN_VALID_X]
    assert props["name"]["maxLength"] == 64
    assert props["ethnicity"]["enum"][0] == "01"
    assert props["ethnicity"]["enum"][-2:] == ["97", "98"]
    assert props["household_region"]["pattern"] == "^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"
    assert props["jurisdiction"]["examples"] == ["420200"]
    assert props["certificate_no"]["pattern"] == "^[A-Za-z][0-9]{9}$"
    assert all(prop["type"] == "string" for prop in props.values())


def test_json_schema_documents_ranges() -> None:
    props = Birth.model_json_schema()["properties"]
    assert (props["birth_weight_g"]["minimum"], props["birth_weight_g"]["maximum"]) == (300, 7000)
    assert (props["plurality"]["minimum"], props["plurality"]["maximum"]) == (1, 8)
