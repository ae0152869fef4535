"""Online birth-service registrations (生育服务登记 网上办理): the table and its API shapes.

Registration carries no precondition on the number of children: `child_order` is recorded,
never judged. There is no field for the sex of a fetus, and a body naming one is refused
like any other unknown field.
"""

import re
from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Strict, ValidationInfo, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column
from sqlmodel import Field

from api.models.base import Instant, PersonRef, RecordColumns, RecordOut, StrictBody
from api.models.marriage import MarriageCertificateNo
from api.validation import RegionCode, today_in_china

# Mobile numbers (1 and 10 digits) or landlines with an area code (0 and 9–11 digits).
_PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
CHILD_ORDER_MAX = 20
DUE_DATE_MAX_DAYS_AHEAD = 300
DUE_DATE_MAX_DAYS_BEHIND = 3 * 365


def normalize_phone(value: str) -> str:
    """Validate a Chinese mobile or landline number."""
    if _PHONE.fullmatch(value) is None:
        raise ValueError("phone must be a mobile number (11 digits) or a landline with area code")
    return value


Phone = Annotated[
    str,
    Strict(),
    AfterValidator(normalize_phone),
    PydanticField(examples=["13800138000"], json_schema_extra={"maxLength": 13}),
]


class ApplicationStatus(StrEnum):
    """Where an application stands (interface §4)."""

    SUBMITTED = "submitted"
    NEEDS_CORRECTION = "needs_correction"
    ISSUED = "issued"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    """How the application reached the service."""

    ONLINE = "online"
    COUNTER = "counter"


class BirthServiceApplication(RecordColumns, table=True):
    """An application for birth-service registration and, once issued, its certificate."""

    __tablename__ = "birth_service_application"

    applicant_id_number: str = Field(max_length=18, index=True)
    applicant_name: str = Field(max_length=64)
    applicant_phone: str = Field(max_length=20)
    spouse_id_number: str | None = Field(default=None, max_length=18, index=True)
    spouse_name: str | None = Field(default=None, max_length=64)
    marriage_certificate_no: str | None = Field(default=None, max_length=32)
    child_order: int
    expected_due_date: date | None = None
    household_region: str = Field(max_length=12, index=True)
    residence_region: str = Field(max_length=12)
    channel: str = Field(max_length=16)
    commitment: bool = Field(default=False)
    status: str = Field(default="submitted", max_length=24, index=True)
    checks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    status_history: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # The certificate in force (see BirthServiceCertificate); its code is never stored here.
    certificate_no: str | None = Field(default=None, max_length=32, unique=True)
    issued_on: date | None = None
    # The staff member or system that submitted it, for "my applications".
    created_by: str = Field(default="", max_length=64, index=True)


class Applicant(PersonRef):
    """The person applying, with a phone number to be reached at."""

    phone: Phone


class ApplicationIn(StrictBody):
    """An application as staff submit it (and as a PATCH leaves it)."""

    applicant: Applicant
    spouse: PersonRef | None = None
    marriage_certificate_no: MarriageCertificateNo | None = None
    child_order: int = PydanticField(ge=1, le=CHILD_ORDER_MAX, strict=True)
    expected_due_date: date | None = None
    household_region: RegionCode
    residence_region: RegionCode
    channel: Channel
    commitment: bool = PydanticField(
        default=False, strict=True, description="承诺制: the applicant vouches for the facts."
    )

    @field_validator("spouse")
    @classmethod
    def _two_people(cls, value: PersonRef | None, info: ValidationInfo) -> PersonRef | None:
        applicant = info.data.get("applicant")
        if value is not None and applicant is not None and applicant.id_number == value.id_number:
            raise ValueError("spouse.id_number must differ from applicant.id_number")
        return value

    @field_validator("expected_due_date")
    @classmethod
    def _plausible_due_date(cls, value: date | None) -> date | None:
        today = today_in_china()
        if value is not None and value > today + timedelta(days=DUE_DATE_MAX_DAYS_AHEAD):
            raise ValueError(f"expected_due_date must be within {DUE_DATE_MAX_DAYS_AHEAD} days")
        if value is not None and value < today - timedelta(days=DUE_DATE_MAX_DAYS_BEHIND):
            raise ValueError("expected_due_date is too far in the past")
        return value


class CorrectionRequest(StrictBody):
    """Why the applicant must correct the application: one reason or more."""

    reasons: list[Annotated[str, PydanticField(min_length=1, max_length=500)]] = PydanticField(
        min_length=1, max_length=20
    )


class Rejection(StrictBody):
    """Why the application is rejected (required)."""

    reason: str = PydanticField(min_length=1, max_length=500)


class Reissue(StrictBody):
    """Why the certificate is reissued (补发, e.g. lost or damaged); required."""

    reason: str = PydanticField(min_length=1, max_length=500)


class Withdrawal(StrictBody):
    """Why the applicant's side withdraws (optional)."""

    reason: str | None = PydanticField(default=None, min_length=1, max_length=500)


class CheckOut(BaseModel):
    """One automatic check against shared data; `code` is its stable machine name."""

    code: str
    name: str
    result: str = PydanticField(description="pass | fail | unavailable")
    detail: str


class StatusChangeOut(BaseModel):
    """One entry of `status_history`."""

    model_config = {"populate_by_name": True}

    from_: str | None = PydanticField(alias="from")
    to: str
    at: Instant
    by: str
    department: str
    reasons: list[str]


class ApplicantOut(BaseModel):
    """The applicant as the caller may see them; the ID number may be masked."""

    id_number: str
    name: str
    phone: str


class SpouseOut(BaseModel):
    """The spouse as the caller may see them."""

    id_number: str
    name: str


class ApplicationOut(RecordOut):
    """An application as staff see it."""

    applicant: ApplicantOut
    spouse: SpouseOut | None
    marriage_certificate_no: str | None
    child_order: int
    expected_due_date: date | None
    household_region: str
    household_region_name: str | None
    residence_region: str
    residence_region_name: str | None
    channel: Channel
    commitment: bool
    status: ApplicationStatus
    checks: list[CheckOut]
    status_history: list[StatusChangeOut]
    certificate_no: str | None
    issued_on: date | None
    verification_code: str | None = PydanticField(
        default=None, description="Only in the answer to issue or reissue: shown once."
    )
