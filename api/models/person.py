"""Persons (全员人口信息): one row per resident identified by a GB 11643 ID number."""

from datetime import date

from sqlalchemy import JSON, Column
from sqlmodel import Field

from api.models.base import RecordColumns


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
