"""Comments on discrepancies (办理意见): what the people working on one have noted."""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from api.models.base import Instant, new_id
from api.models.types import UTCDateTime, utcnow


class DiscrepancyComment(SQLModel, table=True):
    """One remark on one discrepancy; never changed or deleted."""

    __tablename__ = "discrepancy_comment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    discrepancy_id: str = Field(foreign_key="discrepancy.id", max_length=36, index=True)
    author: str = Field(max_length=64)
    department: str = Field(max_length=32)
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommentOut(BaseModel):
    """A comment as callers see it."""

    id: str
    author: str
    department: str
    body: str
    created_at: Instant


class CommentPage(BaseModel):
    """The comments on a discrepancy, oldest first."""

    items: list[CommentOut]
    next_cursor: str | None = None
