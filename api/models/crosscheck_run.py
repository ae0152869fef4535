"""Cross-check runs (信息比对): one execution of the linkage engine over a region."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from api.models.base import Instant, StrictBody, new_id
from api.models.types import UTCDateTime, utcnow
from api.validation import Day, RegionPrefix


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
        Index("ix_crosscheck_run_status_created_at", "status", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    region: str = Field(max_length=6)
    as_of: date
    status: str = Field(default=RunStatus.QUEUED.value, max_length=16)
    requested_by: str = Field(max_length=64)
    requested_department: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The worker that holds the run, and when it last said it was alive: a running run
    # whose heartbeat is older than `crosscheck_stale_after_seconds` is taken over.
    claimed_by: str | None = Field(default=None, max_length=128)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    phase: str | None = Field(default=None, max_length=16)
    percent: int = Field(default=0)
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

    as_of: Day | None = None
    region: RegionPrefix | None = None


class CrosscheckRunAccepted(BaseModel):
    """The answer to a run request: where to look for the outcome."""

    id: str
    status: RunStatus


class RunProgress(BaseModel):
    """How far a run has got: its phase and a rough percentage."""

    phase: str
    percent: int


class CrosscheckRunOut(BaseModel):
    """A run as callers see it."""

    id: str
    region: str
    as_of: date
    status: RunStatus
    progress: RunProgress
    requested_by: str
    created_at: Instant
    started_at: Instant | None
    finished_at: Instant | None
    attempts: int
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
        values: dict[str, Any] = {
            name: getattr(run, name) for name in cls.model_fields if name != "progress"
        }
        values["progress"] = progress_of(run)
        return cls.model_validate(values)


class CrosscheckRunPage(BaseModel):
    """A page of runs, newest first."""

    items: list[CrosscheckRunOut]
    next_cursor: str | None


def progress_of(run: CrosscheckRun) -> RunProgress:
    """The run's phase and percentage as callers see them."""
    if run.status == RunStatus.SUCCEEDED:
        return RunProgress(phase="done", percent=100)
    if run.status == RunStatus.QUEUED:
        return RunProgress(phase="queued", percent=0)
    if run.status == RunStatus.FAILED:
        return RunProgress(phase="failed", percent=run.percent)
    return RunProgress(phase=run.phase or "starting", percent=run.percent)
