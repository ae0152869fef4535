"""The answer shapes every list and history shares (interface §1: `items` and `next_cursor`)."""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, create_model

from api.models.base import Instant

Item = TypeVar("Item")


class PageOut(BaseModel, Generic[Item]):
    """One page of a list (列表的一页): pass `next_cursor` as `cursor` for the next one."""

    items: list[Item]
    next_cursor: str | None = Field(description="Cursor of the next page; null on the last.")


class VersionOut(BaseModel, Generic[Item]):
    """One version of a record in its history (历史版本), as the caller may see it."""

    version: int
    action: str = Field(description="create, update or void.")
    changed_at: Instant
    changed_by: str
    department: str
    reason: str | None
    record: Item


def named_page(name: str, item: type[Any]) -> type[PageOut[Any]]:
    """`PageOut[item]` under a readable schema name (`BirthPage`, not `PageOut_BirthOut_`)."""
    return create_model(name, __base__=PageOut[item], __module__=__name__)  # type: ignore[valid-type]
