"""Discrepancies (比对问题): the cross-check's worklist, one item per distinct finding."""

import re
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
_ID = re.compile(r"[0-9A-Za-z-]{1,36}")
BULK_MAX = 500


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
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopen_count: int = Field(default=0)
    first_run_id: str = Field(max_length=36)
    last_seen_run_id: str = Field(max_length=36)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The latest day a run that found it looked at: a run as of an earlier day never
    # closes it (it could not have seen what that later run saw).
    last_seen_as_of: date | None = None
    assignee: str | None = Field(default=None, max_length=64, index=True)
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assigned_by: str | None = Field(default=None, max_length=64)


def _printable(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    if any((ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in value):
        raise ValueError(f"{what} must not contain control characters")
    return value


class ResolveBody(StrictBody):
    """How a person settled a discrepancy, and why."""

    resolution: Resolution
    note: str = PydanticField(min_length=1, max_length=2000)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _printable(value, "note")


class BulkResolveBody(ResolveBody):
    """One resolution and note for several selected discrepancies."""

    ids: list[str] = PydanticField(min_length=1, max_length=BULK_MAX)

    @field_validator("ids")
    @classmethod
    def _ids(cls, value: list[str]) -> list[str]:
        if any(_ID.fullmatch(item) is None for item in value):
            raise ValueError("ids must be discrepancy ids")
        return list(dict.fromkeys(value))


class AssignBody(StrictBody):
    """Whom to give a discrepancy to: a staff user's username (null takes it back)."""

    assignee: str | None = PydanticField(min_length=1, max_length=64)

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value: str | None) -> str | None:
        return None if value is None else _printable(value, "assignee").strip()


class CommentBody(StrictBody):
    """A remark on a discrepancy, for the people working on it."""

    body: str = PydanticField(min_length=1, max_length=2000)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return _printable(value, "body")


class SubjectOut(BaseModel):
    """A record a discrepancy involves, with the API address to read it."""

    resource: Literal["births", "household-entries", "persons", "marriages"]
    id: str
    href: str


def subject_href(resource: str, record_id: str) -> str:
    """The API path of a subject record."""
    return f"/v1/{resource}/{record_id}"


class DiscrepancyOut(BaseModel):
    """A discrepancy as stored and announced (without what depends on the reader)."""

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
    assignee: str | None
    assigned_at: Instant | None


class DiscrepancyVersionOut(BaseModel):
    """One version of a discrepancy in its history."""

    version: int
    action: str
    changed_at: Instant
    changed_by: str
    department: str
    reason: str | None
    record: dict[str, Any]


class DiscrepancyHistory(BaseModel):
    """Every version of a discrepancy, oldest first."""

    items: list[DiscrepancyVersionOut]
    next_cursor: str | None = None


class BulkItem(BaseModel):
    """What a bulk resolution did to one selected id."""

    id: str
    outcome: Literal["resolved", "already_resolved", "not_found"]


class BulkResolveOut(BaseModel):
    """What a bulk resolution did: how many it resolved, and each id's outcome."""

    resolved: int
    items: list[BulkItem]


class AssigneeOut(BaseModel):
    """A staff user a discrepancy may be given to."""

    username: str
    role: str
    region: str


class AssigneeList(BaseModel):
    """The staff users a discrepancy may be given to, by username."""

    items: list[AssigneeOut]
