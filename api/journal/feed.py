"""The change feed (数据交换): events in commit order, cut to what each subscriber may read.

Every change to a shared record is appended to `feed_event` in the transaction that makes
it, numbered under the feed head's lock at commit (api/journal.py), so `seq` order is commit
order and no event with a smaller seq can appear after a larger one has been read.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.policy import Scope
from api.access.principal import Access, Principal
from api.errors import FieldError, InvalidInput
from api.journal.append import FEED_HEAD
from api.journal.audit import record_access
from api.journal.subjects import person_ids_for
from api.models import FeedEvent, JournalHead
from api.models.birth import BirthOut
from api.models.household_entry import HouseholdEntryOut
from api.models.marriage import MarriageOut
from api.models.person import PersonOut
from api.models.ultrasound_exam import UltrasoundExamOut
from api.pagination import decode_cursor, encode_cursor
from api.records.core import RecordKind
from api.records.registries.births import BIRTHS
from api.records.registries.household_entries import HOUSEHOLD_ENTRIES
from api.records.registries.marriages import MARRIAGES
from api.records.registries.persons import PERSONS
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS

logger = logging.getLogger(__name__)

# One page looks at no more than this many seqs, however few of them the subscriber may
# read: the cursor then moves past the rest, so a sparse subscriber never rescans them.
SCAN_LIMIT = 50_000


Presenter = Callable[[dict[str, Any], str, Access], dict[str, Any]]


def id_only(data: dict[str, Any], record_id: str, access: Access) -> dict[str, Any]:
    """Announce just the record's id: the subscriber reads it at its URL, under its rules."""
    return {"id": record_id}


def as_announced(data: dict[str, Any], record_id: str, access: Access) -> dict[str, Any]:
    """Data that was announced in its public shape, the same for every reader."""
    return data


def like_its_url(kind: RecordKind[Any], out: type[BaseModel]) -> Presenter:
    """A record's data as its own URL shows it to the caller."""

    def present(data: dict[str, Any], record_id: str, access: Access) -> dict[str, Any]:
        try:
            shown = out.model_validate(kind.present(data, access))
        except (ValidationError, KeyError):
            # An event stored in an older shape must not stop every subscriber behind it.
            logger.warning("feed event of %s %s has an unreadable shape", kind.resource, record_id)
            return id_only(data, record_id, access)
        return shown.model_dump(mode="json")

    return present


@dataclass(frozen=True)
class FeedSource:
    """Who may read one resource's events, and how its data is cut for them."""

    resource: str
    may_read: Callable[[Principal], bool]
    present: Presenter = id_only
    kind: RecordKind[Any] | None = None


def _holds(scope: Scope) -> Callable[[Principal], bool]:
    return lambda principal: scope in principal.scopes


def _reads_ultrasounds(principal: Principal) -> bool:
    return principal.sees_ultrasounds


def _record_source(
    kind: RecordKind[Any], out: type[BaseModel], may_read: Callable[[Principal], bool]
) -> FeedSource:
    return FeedSource(kind.resource, may_read, like_its_url(kind, out), kind)


SOURCES: dict[str, FeedSource] = {
    source.resource: source
    for source in (
        _record_source(BIRTHS, BirthOut, _holds(Scope.BIRTHS_READ)),
        _record_source(ULTRASOUND_EXAMS, UltrasoundExamOut, _reads_ultrasounds),
        _record_source(HOUSEHOLD_ENTRIES, HouseholdEntryOut, _holds(Scope.HOUSEHOLDS_READ)),
        _record_source(MARRIAGES, MarriageOut, _holds(Scope.MARRIAGES_READ)),
        _record_source(PERSONS, PersonOut, _holds(Scope.PERSONS_READ)),
        # api/worklist.py announces discrepancies already in their public shape.
        FeedSource("discrepancies", _holds(Scope.CROSSCHECK_READ), as_announced),
        FeedSource("birth-service-applications", _holds(Scope.APPLICATIONS_READ)),
    )
}


@dataclass(frozen=True)
class FeedItem:
    """One event as a subscriber receives it."""

    event: FeedEvent
    data: dict[str, Any]


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed; `next_cursor` always says where to continue."""

    items: list[FeedItem]
    next_cursor: str
    has_more: bool


def readable_resources(principal: Principal) -> list[str]:
    """The resources whose events this caller may receive."""
    return sorted(r for r, source in SOURCES.items() if source.may_read(principal))


def _after_seq(cursor: str | None) -> int:
    if cursor is None:
        return 0
    refusal = InvalidInput(
        "The cursor is not one this service issued.",
        errors=[FieldError("after", "invalid cursor")],
    )
    try:
        (seq,) = decode_cursor(cursor, arity=1)
    except InvalidInput:
        raise refusal from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise refusal
    return seq


def _served_person_ids(session: Session, events: Sequence[FeedEvent]) -> list[str]:
    numbers: list[str | None] = []
    ids: list[str] = []
    for event in events:
        kind = SOURCES[event.resource].kind
        if event.resource == PERSONS.resource:
            ids.append(event.record_id)
        elif kind is not None:
            numbers += [event.data.get(c) for c in kind.person_columns]
    return list(dict.fromkeys(ids + person_ids_for(session, numbers)))


def read_feed(
    session: Session, *, access: Access, after: str | None, types: Sequence[str], limit: int
) -> FeedPage:
    """The next events after `after` inside the caller's jurisdiction and scopes, oldest first."""
    after_seq = _after_seq(after)
    # Every event up to the head read now is committed (the head and its events commit
    # together), so the cursor may move up to it past events the caller cannot read.
    head = session.get(JournalHead, FEED_HEAD)
    head_seq = head.last_seq if head else 0
    upper = min(head_seq, after_seq + SCAN_LIMIT)
    resources = readable_resources(access.principal)
    events: list[FeedEvent] = []
    if resources and upper > after_seq:
        query = select(FeedEvent).where(
            col(FeedEvent.seq) > after_seq,
            col(FeedEvent.seq) <= upper,
            col(FeedEvent.resource).in_(resources),
        )
        query = query.where(jurisdiction_filter(col(FeedEvent.region), access.principal.region))
        if types:
            query = query.where(col(FeedEvent.type).in_(list(types)))
        events = list(session.exec(query.order_by(col(FeedEvent.seq)).limit(limit)).all())
    reached = events[-1].seq if len(events) == limit else max(upper, after_seq)
    items = [FeedItem(e, SOURCES[e.resource].present(e.data, e.record_id, access)) for e in events]
    if events:
        record_access(
            session,
            access,
            action="read",
            resource="feed",
            record_ids=list(dict.fromkeys(e.record_id for e in events)),
            person_ids=_served_person_ids(session, events),
        )
    return FeedPage(items, encode_cursor([reached]), has_more=reached < head_seq)
