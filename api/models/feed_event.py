"""The change feed (数据交换): events in commit order, written with the change."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from api.models.base import Instant
from api.models.types import UTCDateTime, utcnow


class FeedEvent(SQLModel, table=True):
    """One change to a shared record, numbered in commit order."""

    __tablename__ = "feed_event"

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(max_length=48, index=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resource: str = Field(max_length=32)
    record_id: str = Field(max_length=36)
    region: str = Field(max_length=12, index=True)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class FeedEventOut(BaseModel):
    """One event as a subscriber receives it; `data` is cut to what it may read."""

    seq: int
    type: str
    occurred_at: Instant
    resource: str
    id: str
    region: str
    data: dict[str, Any]


class FeedPageOut(BaseModel):
    """A page of the feed: poll again with `next_cursor` as `after`, at once if `has_more`."""

    items: list[FeedEventOut]
    next_cursor: str
    has_more: bool
