"""Cross-check runs (信息比对): one execution of the linkage engine over a region."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from api.models.base import Instant, StrictBody, new_id
from api.models.types import UTCDateTime, utcnow
from api.validation import RegionPrefix


class RunStatus(StrEnum):
    """Where a run is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
_ACTIVE = text("status IN ('queued', 'running')")


class CrosscheckRun(SQLModel, table=True):
    """A requested, running or finished cross-check of one region as of one day."""

    __tablename__ = "crosscheck_run"
    __table_args__ = (
        # One active run per region, held by the database itself so that two schedulers
        # on two machines (or two API workers) cannot both start one.
        Index(
            "uq_crosscheck_run_active_region",
            "region",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_crosscheck_run_region_created_at", "region", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region: str = Field(max_length=6)
    as_of: date
    status: str = Field(default=RunStatus.QUEUED.value, max_length=16)
    requested_by: str = Field(max_length=64)
    requested_department: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Touched at every phase: a queued or running run not touched for a while is stale.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    input_fingerprint: str | None = Field(default=None, max_length=64)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    opened: int = Field(default=0)
    reopened: int = Field(default=0)
    closed: int = Field(default=0)
    unchanged: int = Field(default=0)
    reused: bool = Field(default=False)
    reused_from: str | None = Field(default=None, max_length=36)
    error: str | None = Field(default=None, max_length=500)


class CrosscheckRunIn(StrictBody):
    """A request to cross-check a region as of a day."""

    as_of: date | None = None
    region: RegionPrefix | None = None


class CrosscheckRunAccepted(BaseModel):
    """The answer to a run request: where to look for the outcome."""

    id: str
    status: RunStatus


class CrosscheckRunOut(BaseModel):
    """A run as callers see it."""

    id: str
    region: str
    as_of: date
    status: RunStatus
    requested_by: str
    created_at: Instant
    started_at: Instant | None
    finished_at: Instant | None
    counts: dict[str, int]
    opened: int
    reopened: int
    closed: int
    unchanged: int
    reused: bool
    reused_from: str | None
    error: str | None

    @classmethod
    def of(cls, run: CrosscheckRun) -> "CrosscheckRunOut":
        """Build the answer from a stored run."""
        values: dict[str, Any] = {name: getattr(run, name) for name in cls.model_fields}
        return cls.model_validate(values)
