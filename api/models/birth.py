"""Births (出生医学证明 / 出生人口实名登记), written by maternal health."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from api.db import UTCDateTime
from api.models.base import RecordColumns


class Birth(RecordColumns, table=True):
    """A medical birth record identified by its certificate number."""

    __tablename__ = "birth"
    __table_args__ = (Index("ix_birth_mother_birth_datetime", "mother_id_number", "birth_datetime"),)

    certificate_no: str = Field(max_length=10, unique=True, index=True)
    child_name: str | None = Field(default=None, max_length=64)
    child_sex: str = Field(max_length=8)
    birth_datetime: datetime = Field(sa_type=UTCDateTime)
    birth_weight_g: int | None = None
    gestational_weeks: int | None = None
    plurality: int = Field(default=1)
    birth_order: int = Field(default=1)
    place_type: str = Field(default="hospital", max_length=16)
    facility_code: str | None = Field(default=None, max_length=32)
    birth_region: str = Field(max_length=12, index=True)
    mother_id_number: str = Field(max_length=18)
    mother_name: str = Field(max_length=64)
    father_id_number: str | None = Field(default=None, max_length=18)
    father_name: str | None = Field(default=None, max_length=64)
    replaces_certificate_no: str | None = Field(default=None, max_length=10, index=True)
    status: str = Field(default="registered", max_length=16)
    mother_verified: bool = Field(default=False)
