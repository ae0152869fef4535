"""Online birth-service registrations (生育服务登记 网上办理)."""

from datetime import date
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from api.models.base import RecordColumns


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
    certificate_no: str | None = Field(default=None, max_length=32, unique=True)
    verification_code: str | None = Field(default=None, max_length=16)
    issued_on: date | None = None
