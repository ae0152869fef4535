"""Answers to creates sent with an Idempotency-Key, replayed on retry."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from api.models.types import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a keyed create; keys are per client."""

    __tablename__ = "idempotency_record"

    client_key: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
