"""The access log: recording who touched whose data, reading it back, and verifying it."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from api.journal import (
    AUDIT_CHAINS,
    GENESIS_HASH,
    PendingAuditEvent,
    audit_hash,
    audit_head_name,
    pending,
)
from api.models import AuditEvent, AuditSubject, JournalHead, Person
from api.principal import Access


def person_ids_for(session: Session, id_numbers: Iterable[str | None]) -> list[str]:
    """Map ID numbers to the ids of the person records that hold them."""
    wanted = sorted({n for n in id_numbers if n})
    if not wanted:
        return []
    rows = session.exec(select(Person.id).where(col(Person.id_number).in_(wanted)))
    return list(rows)


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


@dataclass(frozen=True)
class BrokenLink:
    """The first place where an audit chain no longer holds."""

    chain: int
    chain_seq: int
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of checking every audit chain."""

    events_checked: int
    broken: list[BrokenLink]

    @property
    def intact(self) -> bool:
        """True when no chain is broken."""
        return not self.broken


def _verify_chain(session: Session, chain: int, batch: int) -> tuple[int, BrokenLink | None]:
    head = session.get(JournalHead, audit_head_name(chain))
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    last_seq = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.chain == chain, AuditEvent.chain_seq >= expected_seq)
            .order_by(col(AuditEvent.chain_seq))
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            checked += 1
            if event.chain_seq != expected_seq:
                return checked, BrokenLink(chain, expected_seq, "event is missing")
            if event.prev_hash != prev_hash:
                return checked, BrokenLink(
                    chain, event.chain_seq, "does not follow its predecessor"
                )
            if audit_hash(event) != event.hash:
                return checked, BrokenLink(chain, event.chain_seq, "content was altered")
            prev_hash, last_seq, expected_seq = event.hash, event.chain_seq, expected_seq + 1
    if head is not None and (
        head.last_seq != last_seq or (last_seq and head.last_hash != prev_hash)
    ):
        return checked, BrokenLink(
            chain, last_seq + 1, "events at the end of the chain are missing"
        )
    return checked, None


def verify_log(session: Session, *, batch: int = 5000) -> VerifyReport:
    """Recompute every chain and report the first broken link of each."""
    total, broken = 0, []
    chains = set(range(AUDIT_CHAINS)) | set(session.exec(select(AuditEvent.chain).distinct()).all())
    for chain in sorted(chains):
        checked, link = _verify_chain(session, chain, batch)
        total += checked
        if link:
            broken.append(link)
    return VerifyReport(total, broken)


def person_access_log(
    session: Session, *, person_id: str, limit: int, before: tuple[str, int, int] | None = None
) -> list[AuditEvent]:
    """The audit events that concerned one person, newest first."""
    query = (
        select(AuditEvent)
        .join(
            AuditSubject,
            (AuditSubject.chain == AuditEvent.chain)
            & (AuditSubject.chain_seq == AuditEvent.chain_seq),
        )
        .where(AuditSubject.person_id == person_id)
        .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())
