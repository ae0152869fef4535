"""Persons (全员人口信息): one row per resident identified by a GB 11643 ID number."""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Strict, ValidationInfo, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column
from sqlmodel import Field

from api.models.base import Instant, RecordColumns, RecordOut, StrictBody
from api.validation import (
    BirthDate,
    Day,
    EthnicityCode,
    IdNumber,
    MaritalStatus,
    PersonName,
    RegionCode,
    Sex,
    check_id_number_agrees,
    today_in_china,
)

_HOUSEHOLD_NO = re.compile(r"[0-9A-Za-z-]{1,32}")


def normalize_household_no(value: str) -> str:
    """Validate a household number (户号): 1–32 letters, digits or '-'."""
    if _HOUSEHOLD_NO.fullmatch(value) is None:
        raise ValueError("household_no must be 1 to 32 letters, digits or '-'")
    return value


HouseholdNo = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_household_no),
    PydanticField(
        description="Household number (户号) in the household register.",
        examples=["420202000123"],
        json_schema_extra={"pattern": "^[0-9A-Za-z-]{1,32}$"},
    ),
]


class PersonStatus(StrEnum):
    """Whether a person is (still) in the population register."""

    ACTIVE = "active"
    DECEASED = "deceased"
    EMIGRATED = "emigrated"
    CANCELLED = "cancelled"


class Person(RecordColumns, table=True):
    """A person record shared between departments."""

    __tablename__ = "person"

    id_number: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=64)
    sex: str = Field(max_length=8)
    birth_date: date
    ethnicity: str | None = Field(default=None, max_length=2)
    household_region: str | None = Field(default=None, max_length=12, index=True)
    household_no: str | None = Field(default=None, max_length=32)
    residence_region: str | None = Field(default=None, max_length=12, index=True)
    marital_status: str | None = Field(default=None, max_length=2)
    status: str = Field(default="active", max_length=16)
    death_date: date | None = None
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The household region, or the residence region of a person without one: whose
    # jurisdiction the record is in. Stored so that lists filter on one indexed column.
    jurisdiction_region: str = Field(max_length=12, index=True)


def _agrees_with_id_number(info: ValidationInfo, **value: Any) -> None:
    # Only checked when the ID number itself was valid; its own error is reported otherwise.
    id_number = info.data.get("id_number")
    if id_number is not None:
        check_id_number_agrees(id_number, **value)


class PersonParticulars(StrictBody):
    """Who a person is; birth date and sex must agree with the ID number."""

    id_number: IdNumber
    name: PersonName
    sex: Sex
    birth_date: BirthDate
    ethnicity: EthnicityCode | None = None

    @field_validator("sex")
    @classmethod
    def _sex_agrees(cls, value: Sex, info: ValidationInfo) -> Sex:
        _agrees_with_id_number(info, sex=value)
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_date_agrees(cls, value: date, info: ValidationInfo) -> date:
        _agrees_with_id_number(info, birth_date=value)
        return value


class PersonIn(PersonParticulars):
    """A person as `persons:write` creates or corrects it."""

    residence_region: RegionCode | None = None
    household_region: RegionCode | None = PydanticField(default=None, validate_default=True)
    household_no: HouseholdNo | None = None
    marital_status: MaritalStatus | None = None
    status: PersonStatus = PersonStatus.ACTIVE
    death_date: Day | None = PydanticField(default=None, validate_default=True)

    @field_validator("household_region")
    @classmethod
    def _some_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Without a region the record would be in nobody's jurisdiction.
        if value is None and "residence_region" in info.data and not info.data["residence_region"]:
            raise ValueError("household_region is required when residence_region is absent")
        return value

    @field_validator("death_date")
    @classmethod
    def _death_date_fits(cls, value: date | None, info: ValidationInfo) -> date | None:
        deceased = info.data.get("status") is PersonStatus.DECEASED
        if deceased and value is None:
            raise ValueError("death_date is required when status is deceased")
        if "status" in info.data and not deceased and value is not None:
            raise ValueError("death_date is only allowed when status is deceased")
        born = info.data.get("birth_date")
        if value is not None and born is not None and value < born:
            raise ValueError("death_date must not be before birth_date")
        if value is not None and value > today_in_china():
            raise ValueError("death_date must not be in the future")
        return value


class PersonLookup(StrictBody):
    """The ID number to look a person up by (never sent in a URL)."""

    id_number: IdNumber


class PersonOut(RecordOut):
    """A person as a caller may see it; `births` only for departments that see health data."""

    id_number: str
    name: str
    sex: Sex
    birth_date: date | None = PydanticField(
        description="null where `id_number` is masked: the mask hides exactly the birth date."
    )
    ethnicity: str | None
    household_region: str | None
    household_no: str | None
    residence_region: str | None
    marital_status: str | None
    status: PersonStatus
    death_date: date | None
    separated: bool | None = PydanticField(
        description="人户分离: residence in another county than the household region; "
        "null when either is unknown."
    )
    sources: list[str]
    births: list[str] | None = PydanticField(
        default=None, description="Ids of live birth records naming this person as mother."
    )


class AccessLogEntryOut(BaseModel):
    """One read or change of a person's data, as the access log shows it."""

    time: Instant
    department: str
    purpose: str
    case_id: str | None
    action: str
    resource: str
    outcome: str
    actor: str
    actor_type: str
