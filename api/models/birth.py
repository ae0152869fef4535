"""Births (出生医学证明 / 出生人口实名登记), written by maternal health."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import Field as PydanticField
from pydantic import model_validator
from sqlalchemy import Index
from sqlmodel import Field

from api.errors import field_rule
from api.models.base import Instant, PersonRef, PersonRefOut, RecordColumns, RecordOut, StrictBody
from api.models.types import UTCDateTime
from api.validation import (
    BirthWeightG,
    CertificateNo,
    EventInstant,
    GestationalWeeks,
    PersonName,
    Plurality,
    RegionCode,
    Sex,
)


class PlaceType(StrEnum):
    """Where the child was born."""

    HOSPITAL = "hospital"
    HOME = "home"
    EN_ROUTE = "en_route"
    OTHER = "other"


class Birth(RecordColumns, table=True):
    """A medical birth record identified by its certificate number."""

    __tablename__ = "birth"
    __table_args__ = (
        Index("ix_birth_mother_birth_datetime", "mother_id_number", "birth_datetime"),
    )

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


class BirthIn(StrictBody):
    """A birth record as maternal health submits it."""

    certificate_no: CertificateNo
    child_name: PersonName | None = None
    child_sex: Sex
    birth_datetime: EventInstant
    birth_weight_g: BirthWeightG | None = None
    gestational_weeks: GestationalWeeks | None = None
    plurality: Plurality = 1
    birth_order: int = PydanticField(default=1, ge=1, le=8)
    place_type: PlaceType = PlaceType.HOSPITAL
    facility_code: str | None = PydanticField(default=None, min_length=1, max_length=32)
    birth_region: RegionCode
    mother: PersonRef
    father: PersonRef | None = None
    replaces_certificate_no: CertificateNo | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "BirthIn":
        if self.birth_order > self.plurality:
            raise field_rule("birth_order", "birth_order must not exceed plurality")
        if self.birth_datetime > datetime.now(UTC) + timedelta(minutes=5):
            raise field_rule("birth_datetime", "birth_datetime must not be in the future")
        if self.replaces_certificate_no == self.certificate_no:
            raise field_rule(
                "replaces_certificate_no", "replaces_certificate_no must differ from certificate_no"
            )
        return self


class BirthOut(RecordOut):
    """A birth record as a caller may see it."""

    certificate_no: str
    child_name: str | None
    child_sex: Sex
    birth_datetime: Instant
    birth_weight_g: int | None = None
    gestational_weeks: int | None = None
    plurality: int
    birth_order: int
    place_type: str
    facility_code: str | None
    birth_region: str
    mother: PersonRefOut
    father: PersonRefOut | None
    replaces_certificate_no: str | None
    status: str
    mother_verified: bool
