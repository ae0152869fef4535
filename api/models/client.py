"""Department systems that call the API with client credentials."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from api.models.base import new_id
from api.models.types import UTCDateTime, utcnow


class Client(SQLModel, table=True):
    """A registered department system; its secret is kept only as an Argon2id hash."""

    __tablename__ = "client"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    client_id: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=128)
    department: str = Field(max_length=32)
    region: str = Field(max_length=12)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purposes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret_hash: str = Field(max_length=255)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
