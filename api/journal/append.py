"""Append-only journals written at commit: the change feed and the audit hash chains.

Events are collected on the session while a request works and appended just before it
commits, so a change, its feed event and its audit event share one transaction, and the
journal heads are locked only for the last moments of a transaction. Audit events are
spread over several independent chains so that audited reads do not queue behind one lock.
"""

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from api.models import AuditEvent, AuditSubject, FeedEvent, JournalHead
from api.models.base import new_id
from api.models.types import utcnow

AUDIT_CHAINS = 8
FEED_HEAD = "feed"
GENESIS_HASH = "0" * 64


def audit_head_name(chain: int) -> str:
    """The journal head that holds the tip of audit chain `chain`."""
    return f"audit:{chain}"


@dataclass
class PendingFeedEvent:
    """A change to announce on the feed once the transaction commits."""

    type: str
    resource: str
    record_id: str
    region: str
    data: dict[str, Any]
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass
class PendingAuditEvent:
    """An access to personal data, to be chained into the audit log."""

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
    occurred_at: datetime = field(default_factory=utcnow)


@dataclass
class Journal:
    """What a unit of work will append when it commits."""

    feed: list[PendingFeedEvent] = field(default_factory=list)
    audit: list[PendingAuditEvent] = field(default_factory=list)


def pending(session: Session) -> Journal:
    """The journal of the session's current transaction."""
    journal: Journal = session.info.setdefault("journal", Journal())
    return journal


def discard(session: Session) -> None:
    """Forget what a rolled-back transaction had collected."""
    session.info.pop("journal", None)


def _locked_head(session: Session, name: str) -> JournalHead:
    head = session.exec(
        select(JournalHead).where(JournalHead.name == name).with_for_update()
    ).first()
    if head is None:
        head = JournalHead(name=name, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


def audit_hash(event: AuditEvent) -> str:
    """The hash that seals an audit event to its predecessor in the chain."""
    content = {
        "chain": event.chain,
        "chain_seq": event.chain_seq,
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "actor_type": event.actor_type,
        "department": event.department,
        "region": event.region,
        "purpose": event.purpose,
        "case_id": event.case_id,
        "action": event.action,
        "resource": event.resource,
        "record_ids": event.record_ids,
        "person_ids": event.person_ids,
        "outcome": event.outcome,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _append_feed(session: Session, events: list[PendingFeedEvent]) -> None:
    head = _locked_head(session, FEED_HEAD)
    for item in events:
        head.last_seq += 1
        session.add(
            FeedEvent(
                seq=head.last_seq,
                type=item.type,
                occurred_at=item.occurred_at,
                resource=item.resource,
                record_id=item.record_id,
                region=item.region,
                data=item.data,
            )
        )
    session.add(head)


def _append_audit(session: Session, events: list[PendingAuditEvent]) -> None:
    chain = random.randrange(AUDIT_CHAINS)
    head = _locked_head(session, audit_head_name(chain))
    for item in events:
        head.last_seq += 1
        event = AuditEvent(
            chain=chain,
            chain_seq=head.last_seq,
            id=new_id(),
            occurred_at=item.occurred_at,
            actor=item.actor,
            actor_type=item.actor_type,
            department=item.department,
            region=item.region,
            purpose=item.purpose,
            case_id=item.case_id,
            action=item.action,
            resource=item.resource,
            record_ids=item.record_ids,
            person_ids=item.person_ids,
            outcome=item.outcome,
            prev_hash=head.last_hash or GENESIS_HASH,
            hash="",
        )
        event.hash = audit_hash(event)
        head.last_hash = event.hash
        session.add(event)
        for person_id in dict.fromkeys(item.person_ids):
            session.add(AuditSubject(person_id=person_id, chain=chain, chain_seq=event.chain_seq))
    session.add(head)


def write_journal(session: Session) -> None:
    """Append the collected feed and audit events; called right before commit."""
    journal = session.info.pop("journal", None)
    if journal is None:
        return
    if journal.feed:
        _append_feed(session, journal.feed)
    if journal.audit:
        _append_audit(session, journal.audit)
    session.flush()


def reserve_feed_seqs(session: Session, count: int) -> int:
    """Lock the feed head and reserve `count` consecutive seqs; return the first.

    For bulk writers that insert their feed events themselves (api/bulk): the head stays
    locked until the transaction ends, so the reserved seqs still follow commit order.
    """
    head = _locked_head(session, FEED_HEAD)
    first = head.last_seq + 1
    head.last_seq += count
    session.add(head)
    session.flush()
    return first
