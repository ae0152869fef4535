"""Pydantic v2 field types that apply the validators; usable in any model."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, Strict

from .codes import (
    BIRTH_WEIGHT_G_MAX,
    BIRTH_WEIGHT_G_MIN,
    ETHNICITIES,
    EXAM_GESTATIONAL_WEEKS_MAX,
    EXAM_GESTATIONAL_WEEKS_MIN,
    GESTATIONAL_WEEKS_MAX,
    GESTATIONAL_WEEKS_MIN,
    PLURALITY_MAX,
    PLURALITY_MIN,
    normalize_certificate_no,
    normalize_ethnicity,
)
from .dates import (
    check_birth_date,
    check_event_day,
    parse_day,
    parse_instant,
)
from .id_number import normalize_id_number
from .names import NAME_MAX_LENGTH, normalize_person_name
from .region import normalize_region_code, normalize_region_prefix
from .text import check_no_control_characters

__all__ = [
    "BirthDate",
    "BirthWeightG",
    "CertificateNo",
    "Day",
    "EthnicityCode",
    "EventInstant",
    "ExamGestationalWeeks",
    "GestationalWeeks",
    "IdNumber",
    "PersonName",
    "Plurality",
    "RegionCode",
    "RegionPrefix",
    "Text",
]

# Patterns go into the JSON schema only (json_schema_extra), not Field(pattern=...): a pattern
# constraint would run first and replace the validators' specific messages with a generic one.
# Strict() keeps numbers and other non-strings out instead of coercing them.

IdNumber = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_id_number),
    Field(
        description="GB 11643 18-character resident ID number; a lowercase x is normalised to X.",
        examples=["11010519491231002X"],
        json_schema_extra={"pattern": "^[0-9]{17}[0-9Xx]$", "minLength": 18, "maxLength": 18},
    ),
]

RegionCode = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_region_code),
    Field(
        description=(
            "GB/T 2260 administrative division code (6 digits), or a 9/12-digit statistical "
            "code whose first 6 digits are a division code."
        ),
        examples=["420202", "420202001", "420202001001"],
        json_schema_extra={"pattern": "^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"},
    ),
]

RegionPrefix = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_region_prefix),
    Field(
        description=(
            "Jurisdiction: 000000 (national), a province (420000), a prefecture (420200) "
            "or a county (420202)."
        ),
        examples=["420200"],
        json_schema_extra={"pattern": "^[0-9]{6}$"},
    ),
]

PersonName = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_person_name),
    Field(
        description=(
            f"1–{NAME_MAX_LENGTH} Unicode characters: Chinese characters of every GB 18030 "
            "block (incl. Extensions B–H), the middle dot · of minority names, Latin letters."
        ),
        examples=["张三", "买买提·艾力"],
        json_schema_extra={"minLength": 1, "maxLength": NAME_MAX_LENGTH},
    ),
]

CertificateNo = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_certificate_no),
    Field(
        description="Birth medical certificate number: one uppercase letter and 9 digits.",
        examples=["Q420212345"],
        json_schema_extra={"pattern": "^[A-Za-z][0-9]{9}$"},
    ),
]

EthnicityCode = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_ethnicity),
    Field(
        description="GB 3304 ethnicity code: 01 Han … 56 Jino, 97 other, 98 foreign origin.",
        examples=["01"],
        json_schema_extra={"enum": list(ETHNICITIES)},
    ),
]

BirthWeightG = Annotated[int, Strict(), Field(ge=BIRTH_WEIGHT_G_MIN, le=BIRTH_WEIGHT_G_MAX)]
GestationalWeeks = Annotated[
    int, Strict(), Field(ge=GESTATIONAL_WEEKS_MIN, le=GESTATIONAL_WEEKS_MAX)
]
ExamGestationalWeeks = Annotated[
    int, Strict(), Field(ge=EXAM_GESTATIONAL_WEEKS_MIN, le=EXAM_GESTATIONAL_WEEKS_MAX)
]
Plurality = Annotated[int, Strict(), Field(ge=PLURALITY_MIN, le=PLURALITY_MAX)]

# Days and instants are read strictly (never from a number) and within a plausible range, so
# that bodies, queries and cursors alike refuse what would overflow or mislead.
Day = Annotated[
    date,
    BeforeValidator(parse_day),
    AfterValidator(check_event_day),
    Field(
        description="A day, written YYYY-MM-DD (1900-01-01 to 2100-12-31).", examples=["2026-03-01"]
    ),
]
BirthDate = Annotated[
    date,
    BeforeValidator(parse_day),
    AfterValidator(check_birth_date),
    Field(description="A date of birth, written YYYY-MM-DD; not in the future."),
]
EventInstant = Annotated[
    AwareDatetime,
    BeforeValidator(parse_instant),
    Field(
        description="RFC 3339 date-time with an offset, between the years 1900 and 2100.",
        examples=["2026-03-01T08:30:00+08:00"],
    ),
]
# Free text: any characters but control characters (tabs and line breaks are allowed).
Text = Annotated[str, Strict(), AfterValidator(check_no_control_characters)]
