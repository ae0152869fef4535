"""Columns every shared record carries (interface §1) and helpers for the API shapes."""

from datetime import datetime
from typing import Annotated, Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, PlainSerializer, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from api.models.types import UTCDateTime, utcnow
from api.validation import IdNumber, PersonName
from api.validation.text import (
    CONTROL_CHARACTER_MESSAGE,
    PRINTABLE_JSON,
    control_character_paths,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def new_id() -> str:
    """Return a new opaque record id (UUID4: never sequential, never enumerable)."""
    return str(uuid4())


def to_shanghai(value: datetime) -> str:
    """Render an instant as RFC 3339 in Asia/Shanghai, as the interface shows them."""
    return value.astimezone(SHANGHAI).isoformat()


# Instants are stored in UTC and shown in Asia/Shanghai with their offset.
Instant = Annotated[datetime, PlainSerializer(to_shanghai, return_type=str, when_used="json")]


class RecordColumns(SQLModel):
    """The bookkeeping columns of every versioned record."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(max_length=32)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    void_reason: str | None = Field(default=None, max_length=500)


class StrictBody(BaseModel):
    """A request body: unknown fields are refused, never silently dropped (interface §1).

    No string in it, at any depth, may hold a control character (NUL ...) or a lone
    surrogate: each one is named in a 422 before any field is read.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any, info: ValidationInfo) -> Any:
        # The importer checks each line's text whole (`printable_json`) and says so here.
        if info.context is PRINTABLE_JSON:
            return data
        paths = control_character_paths(data)
        if paths:
            raise PydanticCustomError(
                "control_characters", CONTROL_CHARACTER_MESSAGE, {"fields": paths}
            )
        return data


class RecordOut(BaseModel):
    """Fields every resource answers with."""

    id: str
    version: int
    created_at: Instant
    updated_at: Instant
    source: str
    voided_at: Instant | None = None
    void_reason: str | None = None


class VoidBody(StrictBody):
    """Why a record is voided; it stays readable with its history."""

    reason: str = Field(min_length=1, max_length=500)


def record_fields(row: SQLModel) -> dict[str, Any]:
    """Return the bookkeeping fields of a row, for building a response."""
    return {name: getattr(row, name) for name in RecordOut.model_fields}


class PersonRef(StrictBody):
    """A person named on a record by ID number and name."""

    id_number: IdNumber
    name: PersonName


class PersonRefOut(BaseModel):
    """A person named on a record; the ID number may be masked."""

    id_number: str
    name: str
