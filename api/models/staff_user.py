"""Staff users of the health commission who log in to the portal."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models.base import new_id
from api.models.types import UTCDateTime, utcnow


class StaffUser(SQLModel, table=True):
    """A portal user with a role, a jurisdiction and an Argon2id password hash."""

    __tablename__ = "staff_user"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    username: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    region: str = Field(max_length=12)
    password_hash: str = Field(max_length=255)
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
