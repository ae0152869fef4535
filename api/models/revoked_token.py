"""Access tokens revoked before they expired."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.types import UTCDateTime, utcnow


class RevokedToken(SQLModel, table=True):
    """A revoked token's `jti`, kept until the token would have expired anyway."""

    __tablename__ = "revoked_token"

    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
