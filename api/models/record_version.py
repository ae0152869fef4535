"""Every version of every shared record, so earlier versions stay readable."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models.base import new_id
from api.models.types import UTCDateTime, utcnow


class RecordVersion(SQLModel, table=True):
    """A snapshot of a record as it was after one change."""

    __tablename__ = "record_version"
    __table_args__ = (
        UniqueConstraint("resource", "record_id", "version", name="uq_record_version"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    resource: str = Field(max_length=32)
    record_id: str = Field(max_length=36, index=True)
    version: int
    action: str = Field(max_length=16)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    changed_by: str = Field(max_length=64)
    department: str = Field(max_length=32)
    reason: str | None = Field(default=None, max_length=500)
