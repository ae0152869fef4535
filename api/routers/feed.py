"""The change feed (数据交换): `GET /v1/feed?after=&types=&limit=`."""

import re
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import FeedRead, SessionDep
from api.errors import FieldError, InvalidInput
from api.journal import feed
from api.models.feed_event import FeedEventOut, FeedPageOut
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/feed", tags=["feed"])

EVENT_TYPE = re.compile(r"[a-z][a-z_]*\.[a-z_]+")
MAX_TYPES = 32


def parse_types(raw: str | None) -> list[str]:
    """The event types a comma-separated `types` names; 422 for a malformed one."""
    types = [t.strip() for t in (raw or "").split(",") if t.strip()]
    bad = [t for t in types if not EVENT_TYPE.fullmatch(t)]
    if bad or len(types) > MAX_TYPES:
        raise InvalidInput(
            f"types must be up to {MAX_TYPES} event types such as birth.registered.",
            errors=[FieldError("types", "not an event type list")],
        )
    return list(dict.fromkeys(types))


@router.get(
    "",
    response_model=FeedPageOut,
    summary="按提交顺序读取变更 · Changes in commit order, after a cursor",
    description=(
        "数据交换变更流：按提交顺序返回游标之后的事件（至少一次）；"
        "`data` 按订阅方的权限和辖区裁剪。"
        "以上一页的 `next_cursor` 作为 `after` 继续读取，`has_more` 为真时立即再读。\n\n"
        "The change feed: events after the cursor in commit order, at least once; `data` is "
        "cut to the subscriber's scopes and jurisdiction. Poll again with `next_cursor` as "
        "`after`, at once while `has_more`. `types` takes a comma-separated list such as "
        "`birth.registered,household.entry_recorded`."
    ),
)
def read_feed(
    session: SessionDep,
    access: FeedRead,
    after: Annotated[
        str | None, Query(max_length=512, description="next_cursor of the last page")
    ] = None,
    types: Annotated[str | None, Query(max_length=2000, description="birth.registered,...")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> FeedPageOut:
    page = feed.read_feed(
        session, access=access, after=after, types=parse_types(types), limit=limit
    )
    items = [
        FeedEventOut(
            seq=i.event.seq,
            type=i.event.type,
            occurred_at=i.event.occurred_at,
            resource=i.event.resource,
            id=i.event.record_id,
            region=i.event.region,
            data=i.data,
        )
        for i in page.items
    ]
    return FeedPageOut(items=items, next_cursor=page.next_cursor, has_more=page.has_more)
