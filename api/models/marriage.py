"""Marriage registrations (婚姻登记), written by civil affairs."""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Strict, ValidationInfo, field_validator
from pydantic import Field as PydanticField
from sqlmodel import Field

from api.models.base import PersonRef, PersonRefOut, RecordColumns, RecordOut, StrictBody
from api.validation import Day, RegionCode, today_in_china

# No national rule fixes the layout of marriage certificate numbers (结婚证字号); this
# only keeps them to a safe alphabet and length.
_MARRIAGE_CERTIFICATE_NO = re.compile(r"[0-9A-Za-z-]{1,32}")


def normalize_marriage_certificate_no(value: str) -> str:
    """Validate a marriage-registry certificate number: 1–32 letters, digits or '-'."""
    if _MARRIAGE_CERTIFICATE_NO.fullmatch(value) is None:
        raise ValueError("certificate_no must be 1 to 32 letters, digits or '-'")
    return value


MarriageCertificateNo = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_marriage_certificate_no),
    PydanticField(
        description="Certificate number of the marriage, divorce or restored-marriage record.",
        examples=["J420202-2025-000123"],
        json_schema_extra={"pattern": "^[0-9A-Za-z-]{1,32}$"},
    ),
]


class MarriageRecordType(StrEnum):
    """What a marriage-registry record registers."""

    MARRIAGE = "marriage"
    DIVORCE = "divorce"
    RESTORED = "restored"


class Marriage(RecordColumns, table=True):
    """A marriage, divorce or restored-marriage registration of two parties."""

    __tablename__ = "marriage"

    record_type: str = Field(max_length=16)
    certificate_no: str = Field(max_length=32, unique=True, index=True)
    registered_on: date
    registry_region: str = Field(max_length=12, index=True)
    party_a_id_number: str = Field(max_length=18, index=True)
    party_a_name: str = Field(max_length=64)
    party_b_id_number: str = Field(max_length=18, index=True)
    party_b_name: str = Field(max_length=64)


class MarriageIn(StrictBody):
    """A marriage-registry record as civil affairs submits it."""

    record_type: MarriageRecordType
    certificate_no: MarriageCertificateNo
    registered_on: Day
    registry_region: RegionCode
    party_a: PersonRef
    party_b: PersonRef

    @field_validator("registered_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > today_in_china():
            raise ValueError("registered_on must not be in the future")
        return value

    @field_validator("party_b")
    @classmethod
    def _two_people(cls, value: PersonRef, info: ValidationInfo) -> PersonRef:
        party_a = info.data.get("party_a")
        if party_a is not None and party_a.id_number == value.id_number:
            raise ValueError("party_b.id_number must differ from party_a.id_number")
        return value


class MarriageOut(RecordOut):
    """A marriage-registry record as a caller may see it."""

    record_type: MarriageRecordType
    certificate_no: str
    registered_on: date
    registry_region: str
    party_a: PersonRefOut
    party_b: PersonRefOut
