"""Household register entries (户籍登记), written by public security."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import Index
from sqlmodel import Field

from api.models.base import RecordColumns, RecordOut, StrictBody
from api.models.person import HouseholdNo, PersonParticulars
from api.validation import CertificateNo, Day, IdNumber, RegionCode, Sex, today_in_china


class EntryType(StrEnum):
    """What a household register entry records."""

    BIRTH = "birth"
    MOVE_IN = "move_in"
    MOVE_OUT = "move_out"
    DEATH = "death"
    CORRECTION = "correction"


class HouseholdEntry(RecordColumns, table=True):
    """One registration event that creates or updates a person."""

    __tablename__ = "household_entry"
    __table_args__ = (
        Index("ix_household_entry_type_region", "entry_type", "household_region"),
        Index(
            "uq_household_entry_natural_key",
            "entry_type",
            "person_id_number",
            "registered_on",
            unique=True,
        ),
    )

    entry_type: str = Field(max_length=16)
    person_id_number: str = Field(max_length=18, index=True)
    person_name: str = Field(max_length=64)
    person_sex: str = Field(max_length=8)
    person_birth_date: date
    person_ethnicity: str | None = Field(default=None, max_length=2)
    household_no: str = Field(max_length=32)
    household_region: str = Field(max_length=12, index=True)
    registered_on: date
    birth_certificate_no: str | None = Field(default=None, max_length=10, index=True)
    mother_id_number: str | None = Field(default=None, max_length=18, index=True)
    father_id_number: str | None = Field(default=None, max_length=18)
    person_id: str | None = Field(default=None, foreign_key="person.id", max_length=36)


class HouseholdEntryIn(StrictBody):
    """A household register entry as public security submits it."""

    entry_type: EntryType
    person: PersonParticulars
    household_no: HouseholdNo
    household_region: RegionCode
    registered_on: Day
    birth_certificate_no: CertificateNo | None = None
    mother_id_number: IdNumber | None = None
    father_id_number: IdNumber | None = None

    @field_validator("registered_on")
    @classmethod
    def _registered_on_fits(cls, value: date, info: ValidationInfo) -> date:
        if value > today_in_china():
            raise ValueError("registered_on must not be in the future")
        person = info.data.get("person")
        if person is not None and value < person.birth_date:
            raise ValueError("registered_on must not be before person.birth_date")
        return value

    @field_validator("birth_certificate_no", "mother_id_number", "father_id_number")
    @classmethod
    def _only_for_birth(cls, value: str | None, info: ValidationInfo) -> str | None:
        entry_type = info.data.get("entry_type")
        if value is not None and entry_type is not None and entry_type is not EntryType.BIRTH:
            raise ValueError(f"{info.field_name} is only recorded with birth entries")
        person = info.data.get("person")
        if value is not None and person is not None and value == person.id_number:
            raise ValueError(f"{info.field_name} must differ from person.id_number")
        return value


class EntryPersonOut(BaseModel):
    """The person an entry is about; the ID number may be masked."""

    id_number: str
    name: str
    sex: Sex
    birth_date: date | None  # null where `id_number` is masked (the mask hides it)
    ethnicity: str | None


class HouseholdEntryOut(RecordOut):
    """A household register entry as a caller may see it."""

    entry_type: EntryType
    person: EntryPersonOut
    household_no: str
    household_region: str
    registered_on: date
    birth_certificate_no: str | None
    mother_id_number: str | None
    father_id_number: str | None
    person_id: str | None
