"""Access tokens as they were issued: whose each `jti` is, so that only its holder revokes it."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from api.models.types import UTCDateTime, utcnow


class IssuedAccessToken(SQLModel, table=True):
    """One issued token's `jti`, holder and lifetime, kept until it would have expired.

    Revocation by `jti` checks the holder here; a lock or a password change revokes every
    live token of the holder found here.
    """

    __tablename__ = "issued_token"
    __table_args__ = (Index("ix_issued_token_holder", "actor_type", "subject", "expires_at"),)

    jti: str = Field(primary_key=True, max_length=64)
    subject: str = Field(max_length=64)
    actor_type: str = Field(max_length=16)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
