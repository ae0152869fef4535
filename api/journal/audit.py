"""The access log: recording who touched whose data, reading it back, and verifying it."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, or_, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, and_, col, select

from api.access.jurisdiction import jurisdiction_filter
from api.access.principal import Access, Principal
from api.journal.append import (
    AUDIT_CHAINS,
    GENESIS_HASH,
    PendingAuditEvent,
    audit_hash,
    audit_head_name,
    pending,
)
from api.models import AuditEvent, AuditSubject, JournalHead, Person
from api.pagination import Page, keyset_page

# Audit lists run newest first by this unique key.
_NEWEST = (col(AuditEvent.occurred_at), col(AuditEvent.id))


def record_access(
    session: Session,
    access: Access,
    *,
    action: str,
    resource: str,
    record_ids: Iterable[str],
    person_ids: Iterable[str] = (),
    outcome: str = "success",
) -> None:
    """Note an access to personal data; it is chained into the log when the work commits."""
    principal = access.principal
    pending(session).audit.append(
        PendingAuditEvent(
            actor=principal.subject,
            actor_type=principal.actor_type,
            department=principal.department.value,
            region=principal.region,
            purpose=access.purpose.value,
            case_id=access.case_id,
            action=action,
            resource=resource,
            record_ids=list(record_ids),
            person_ids=list(dict.fromkeys(person_ids)),
            outcome=outcome,
        )
    )


def denied_event(
    principal: Principal,
    *,
    purpose: str,
    case_id: str | None,
    action: str,
    resource: str,
    record_ids: Iterable[str],
) -> PendingAuditEvent:
    """The audit event of a refused attempt (403/404) on personal data (outcome `denied`)."""
    return PendingAuditEvent(
        actor=principal.subject,
        actor_type=principal.actor_type,
        department=principal.department.value,
        region=principal.region,
        purpose=purpose,
        case_id=case_id,
        action=action,
        resource=resource,
        record_ids=list(record_ids),
        person_ids=[],
        outcome="denied",
    )


def record_denied(
    session: Session,
    principal: Principal,
    *,
    purpose: str,
    case_id: str | None,
    action: str,
    resource: str,
    record_ids: Iterable[str],
) -> None:
    """Note a refused attempt on personal data; it is chained in when the work commits."""
    event = denied_event(
        principal,
        purpose=purpose,
        case_id=case_id,
        action=action,
        resource=resource,
        record_ids=record_ids,
    )
    pending(session).audit.append(event)


@dataclass(frozen=True)
class AuditFilters:
    """What `GET /v1/audit-events` can narrow the log to; instants bound `occurred_at`."""

    actor: str | None = None
    department: str | None = None
    purpose: str | None = None
    resource: str | None = None
    record_id: str | None = None
    action: str | None = None
    outcome: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def list_audit_events(
    session: Session, *, access: Access, filters: AuditFilters, limit: int, cursor: str | None
) -> Page[AuditEvent]:
    """A page of the audit log inside the reader's jurisdiction, newest first.

    An event is inside when its actor is (the event names the actor's region), or when it
    concerned a person registered inside: an auditor sees its own systems' work and, say,
    another city's system probing its persons, but not the rest of the country's log
    (national auditors, 000000, see all of it). Reading the log is itself audited.
    """
    query = select(AuditEvent).where(_inside(access.principal.region))
    for name in ("actor", "department", "purpose", "resource", "action", "outcome"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(getattr(AuditEvent, name) == value)
    if filters.record_id is not None:
        # record_ids is a JSON array; its text holds each id quoted, on every backend.
        as_text = cast(col(AuditEvent.record_ids), String)
        query = query.where(as_text.contains(f'"{filters.record_id}"', autoescape=True))
    if filters.occurred_from is not None:
        query = query.where(col(AuditEvent.occurred_at) >= filters.occurred_from)
    if filters.occurred_to is not None:
        query = query.where(col(AuditEvent.occurred_at) < filters.occurred_to)
    page = keyset_page(session, query, key=_NEWEST, cursor=cursor, limit=limit, descending=True)
    record_access(
        session,
        access,
        action="list",
        resource="audit-events",
        record_ids=[e.id for e in page.items],
    )
    return page


@dataclass(frozen=True)
class BrokenLink:
    """The first place where an audit chain no longer holds."""

    chain: int
    chain_seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain}, event {self.chain_seq}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking every audit chain."""

    events_checked: int
    events_by_chain: dict[int, int]
    broken: list[BrokenLink]

    @property
    def intact(self) -> bool:
        """True when no chain is broken."""
        return not self.broken


def count_events(session: Session) -> int:
    """How many events the audit log holds."""
    total = session.exec(select(func.count()).select_from(AuditEvent)).one()
    session.rollback()
    return int(total)


def _batch(session: Session, chain: int, first: int, last: int, size: int) -> list[AuditEvent]:
    rows = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.chain == chain, col(AuditEvent.chain_seq) >= first)
            .where(col(AuditEvent.chain_seq) <= last)
            .order_by(col(AuditEvent.chain_seq))
            .limit(size)
        ).all()
    )
    # End the read between batches: on SQLite every transaction holds the write lock, and
    # verifying a large log must not stop the service from writing meanwhile.
    session.expunge_all()
    session.rollback()
    return rows


def _verify_chain(
    session: Session, chain: int, size: int, progress: Callable[[int], None]
) -> tuple[int, BrokenLink | None]:
    head = session.get(JournalHead, audit_head_name(chain))
    # Events appended while we verify lie beyond the head read now; the next run checks them.
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (None, None)
    session.expunge_all()
    session.rollback()
    expected, prev_hash, checked = 1, GENESIS_HASH, 0
    upper = head_seq if head_seq is not None else 2**62
    while rows := _batch(session, chain, expected, upper, size):
        for event in rows:
            checked += 1
            if event.chain_seq != expected:
                return checked, BrokenLink(chain, expected, "event is missing")
            if event.prev_hash != prev_hash:
                return checked, BrokenLink(
                    chain, expected, "does not follow its predecessor (moved or replaced)"
                )
            if audit_hash(event) != event.hash:
                return checked, BrokenLink(chain, expected, "content was altered")
            prev_hash, expected = event.hash, expected + 1
        progress(len(rows))
    last = expected - 1
    if head_seq is None:
        if last:
            return checked, BrokenLink(chain, 1, "the chain's head record is missing")
        return checked, None
    if last != head_seq:
        return checked, BrokenLink(chain, last + 1, "events at the end of the chain are missing")
    if last and head_hash != prev_hash:
        return checked, BrokenLink(chain, last, "does not match the chain's head")
    return checked, _beyond_head(session, chain)


def _beyond_head(session: Session, chain: int) -> BrokenLink | None:
    # Read the newest event before the head: a writer commits both together, so only an
    # event inserted behind the journal's back can lie beyond the head read second.
    newest = session.exec(
        select(func.max(AuditEvent.chain_seq)).where(AuditEvent.chain == chain)
    ).one()
    head = session.get(JournalHead, audit_head_name(chain))
    head_seq = head.last_seq if head else 0
    session.expunge_all()
    session.rollback()
    if newest is not None and newest > head_seq:
        return BrokenLink(chain, head_seq + 1, "event is not recorded in the chain's head")
    return None


def verify_log(
    session: Session, *, batch: int = 5000, progress: Callable[[int], None] = lambda n: None
) -> VerifyReport:
    """Recompute every chain and report the first broken link of each.

    `progress` is called with the number of events checked after each batch.
    """
    chains = set(range(AUDIT_CHAINS)) | set(session.exec(select(AuditEvent.chain).distinct()).all())
    session.rollback()
    by_chain: dict[int, int] = {}
    broken = []
    for chain in sorted(chains):
        checked, link = _verify_chain(session, chain, batch, progress)
        by_chain[chain] = checked
        if link:
            broken.append(link)
    return VerifyReport(sum(by_chain.values()), by_chain, broken)


def _inside(prefix: str) -> ColumnElement[bool]:
    """SQL: the event's actor, or a person the event concerned, lies inside `prefix`."""
    own_persons = (
        select(col(AuditSubject.chain), col(AuditSubject.chain_seq))
        .join(Person, col(Person.id) == col(AuditSubject.person_id))
        .where(jurisdiction_filter(col(Person.jurisdiction_region), prefix))
    )
    return or_(
        jurisdiction_filter(col(AuditEvent.region), prefix),
        tuple_(col(AuditEvent.chain), col(AuditEvent.chain_seq)).in_(own_persons),
    )


@dataclass(frozen=True)
class AccessLogCut:
    """What of a person's access log a reader may not see (interface §3 minimisation)."""

    resources: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    since: datetime | None = None  # events before this instant (say, before a move-in)


def person_access_log(
    session: Session,
    *,
    person_id: str,
    limit: int,
    cursor: str | None,
    cut: AccessLogCut = AccessLogCut(),
) -> Page[AuditEvent]:
    """The audit events that concerned one person, newest first, a page after `cursor`."""
    query = (
        select(AuditEvent)
        .join(
            AuditSubject,
            and_(
                col(AuditSubject.chain) == col(AuditEvent.chain),
                col(AuditSubject.chain_seq) == col(AuditEvent.chain_seq),
            ),
        )
        .where(AuditSubject.person_id == person_id)
    )
    if cut.resources:
        query = query.where(col(AuditEvent.resource).not_in(cut.resources))
    if cut.purposes:
        query = query.where(col(AuditEvent.purpose).not_in(cut.purposes))
    if cut.since is not None:
        query = query.where(col(AuditEvent.occurred_at) >= cut.since)
    return keyset_page(session, query, key=_NEWEST, cursor=cursor, limit=limit, descending=True)
