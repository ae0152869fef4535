"""Discrepancies (比对问题): the cross-check's worklist, one item per distinct finding."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from api.models.base import Instant, StrictBody, new_id
from api.models.types import UTCDateTime, utcnow

CROSSCHECK_SOURCE = "crosscheck"


class DiscrepancyStatus(StrEnum):
    """Where a worklist item is in its life (interface §4)."""

    OPEN = "open"
    RESOLVED = "resolved"
    REOPENED = "reopened"


class Resolution(StrEnum):
    """How a discrepancy was settled."""

    FIXED = "fixed"
    CONFIRMED_CORRECT = "confirmed_correct"
    MERGED = "merged"
    NOT_APPLICABLE = "not_applicable"


UNRESOLVED_STATUSES = (DiscrepancyStatus.OPEN.value, DiscrepancyStatus.REOPENED.value)


class Discrepancy(SQLModel, table=True):
    """One discrepancy, keyed by its finding's fingerprint so it is reported only once."""

    __tablename__ = "discrepancy"
    __table_args__ = (
        Index("ix_discrepancy_region_status_due_by", "region", "status", "due_by"),
        Index("ix_discrepancy_due_by_id", "due_by", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(default=CROSSCHECK_SOURCE, max_length=32)
    fingerprint: str = Field(max_length=64, unique=True)
    type: str = Field(max_length=40, index=True)
    region: str = Field(max_length=12)
    status: str = Field(default=DiscrepancyStatus.OPEN.value, max_length=16, index=True)
    detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_by: date
    subjects: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    resolution: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=2000)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_count: int = Field(default=0)
    first_run_id: str = Field(max_length=36)
    last_seen_run_id: str = Field(max_length=36)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ResolveBody(StrictBody):
    """How a person settled a discrepancy, and why."""

    resolution: Resolution
    note: str = PydanticField(min_length=1, max_length=2000)

    @field_validator("note")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("note must not be blank")
        if any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in value):
            raise ValueError("note must not contain control characters")
        return value


class SubjectOut(BaseModel):
    """A record a discrepancy involves."""

    resource: Literal["births", "household-entries", "persons", "marriages"]
    id: str


class DiscrepancyOut(BaseModel):
    """A discrepancy as callers see it."""

    id: str
    version: int
    created_at: Instant
    updated_at: Instant
    source: str
    type: str
    region: str
    status: DiscrepancyStatus
    detected_at: Instant
    due_by: date
    overdue: bool
    subjects: list[SubjectOut]
    fields: list[str]
    details: dict[str, Any]
    resolution: Resolution | None
    note: str | None
    resolved_by: str | None
    resolved_at: Instant | None
    reopened_at: Instant | None
    reopen_count: int
    first_run_id: str
    last_seen_run_id: str


class DiscrepancyVersionOut(BaseModel):
    """One version of a discrepancy in its history."""

    version: int
    action: str
    changed_at: Instant
    changed_by: str
    department: str
    reason: str | None
    record: dict[str, Any]
