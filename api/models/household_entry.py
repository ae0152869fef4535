"""Household register entries (户籍登记), written by public security."""

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field

from api.models.base import RecordColumns


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
