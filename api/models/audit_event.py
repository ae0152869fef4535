"""The tamper-evident access log: every read or write of personal data."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Column, Index, SmallInteger
from sqlmodel import Field, SQLModel

from api.models.base import Instant, new_id
from api.models.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """One audited action; `hash` chains it to the previous event of its chain."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_occurred_at", "occurred_at"),)

    chain: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    chain_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    id: str = Field(default_factory=new_id, max_length=36, unique=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=64, index=True)
    actor_type: str = Field(max_length=8)
    department: str = Field(max_length=32)
    region: str = Field(max_length=12)
    purpose: str = Field(max_length=32)
    case_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=32)
    resource: str = Field(max_length=32)
    record_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    person_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(max_length=16)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditEventOut(BaseModel):
    """One audit event as auditors read it, with its place in its hash chain."""

    id: str
    occurred_at: Instant
    actor: str
    actor_type: str
    department: str
    region: str
    purpose: str
    case_id: str | None
    action: str
    resource: str
    record_ids: list[str]
    person_ids: list[str]
    outcome: str
    chain: int
    chain_seq: int
    prev_hash: str
    hash: str
