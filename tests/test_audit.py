"""The audit log as a service: noting accesses, reading them back, and detecting tampering."""

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department
from api.access.principal import Access, Principal
from api.db import unit_of_work
from api.errors import InvalidInput
from api.journal.append import audit_head_name
from api.journal.audit import (
    AuditFilters,
    BrokenLink,
    list_audit_events,
    record_access,
    record_denied,
    verify_log,
)
from api.models import AuditEvent, JournalHead
from api.models.types import utcnow


def access_for(department: str, region: str = "420200", subject: str | None = None) -> Access:
    """An `Access` as the token dependency would build it."""
    dept = Department(department)
    principal = Principal(
        subject=subject or f"{dept.value}-{region}",
        actor_type="client",
        department=dept,
        region=region,
        scopes=frozenset(DEPARTMENT_SCOPES[dept]),
        purposes=DEPARTMENT_PURPOSES[dept],
        jti="test",
    )
    return Access(principal, principal.purposes[0])


MATERNAL_HEALTH = access_for("maternal_health")
AUDITOR = access_for("auditor")


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    """The test database's engine."""
    engine: Engine = app.state.engine
    return engine


def write_events(engine: Engine, count: int, access: Access = MATERNAL_HEALTH) -> int:
    """Commit `count` audit events in one transaction (so in one chain); return the chain."""
    with unit_of_work(engine) as session:
        for n in range(count):
            record_access(
                session, access, action="read", resource="births", record_ids=[f"record-{n}"]
            )
    with Session(engine) as session:
        newest = session.exec(
            select(AuditEvent).order_by(AuditEvent.occurred_at.desc())  # type: ignore[attr-defined]
        ).first()
        assert newest is not None
        return newest.chain


def tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def verify(engine: Engine) -> list[BrokenLink]:
    with Session(engine) as session:
        return verify_log(session, batch=2).broken


def test_an_untouched_log_verifies_with_every_event_counted(engine: Engine) -> None:
    write_events(engine, 5)
    write_events(engine, 3)
    with Session(engine) as session:
        seen: list[int] = []
        report = verify_log(session, batch=2, progress=seen.append)
    assert report.intact
    assert report.events_checked == 8 == sum(seen)
    assert sum(report.events_by_chain.values()) == 8


def test_an_altered_field_is_reported_at_its_event(engine: Engine) -> None:
    chain = write_events(engine, 5)
    tamper(
        engine, f"UPDATE audit_event SET purpose = 'audit' WHERE chain = {chain} AND chain_seq = 3"
    )
    assert verify(engine) == [BrokenLink(chain, 3, "content was altered")]


def test_an_altered_record_list_is_reported(engine: Engine) -> None:
    chain = write_events(engine, 3)
    tamper(
        engine,
        f"""UPDATE audit_event SET record_ids = '["someone-else"]'
            WHERE chain = {chain} AND chain_seq = 2""",
    )
    assert [str(link) for link in verify(engine)] == [
        f"chain {chain}, event 2: content was altered"
    ]


def test_a_deleted_event_is_reported_as_missing(engine: Engine) -> None:
    chain = write_events(engine, 5)
    tamper(engine, f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq = 2")
    assert verify(engine) == [BrokenLink(chain, 2, "event is missing")]


def test_deleting_the_last_event_of_a_chain_is_noticed_from_the_head(engine: Engine) -> None:
    chain = write_events(engine, 4)
    tamper(engine, f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq = 4")
    assert verify(engine) == [BrokenLink(chain, 4, "events at the end of the chain are missing")]


def test_deleting_the_last_event_and_rewinding_the_head_is_noticed_by_its_hash(
    engine: Engine,
) -> None:
    chain = write_events(engine, 4)
    tamper(
        engine,
        f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq = 4",
        f"UPDATE journal_head SET last_seq = 3 WHERE name = '{audit_head_name(chain)}'",
    )
    assert verify(engine) == [BrokenLink(chain, 3, "does not match the chain's head")]


def test_swapped_events_are_reported_at_the_first_one_out_of_place(engine: Engine) -> None:
    chain = write_events(engine, 5)
    where = f"WHERE chain = {chain} AND chain_seq ="
    tamper(
        engine,
        f"UPDATE audit_event SET chain_seq = 1000 {where} 2",
        f"UPDATE audit_event SET chain_seq = 2 {where} 4",
        f"UPDATE audit_event SET chain_seq = 4 {where} 1000",
    )
    assert verify(engine) == [
        BrokenLink(chain, 2, "does not follow its predecessor (moved or replaced)")
    ]


def test_an_event_slipped_in_behind_the_head_is_reported(engine: Engine) -> None:
    chain = write_events(engine, 2)
    tamper(
        engine,
        f"""INSERT INTO audit_event (chain, chain_seq, id, occurred_at, actor, actor_type,
            department, region, purpose, action, resource, record_ids, person_ids, outcome,
            prev_hash, hash)
            SELECT chain, 3, 'forged', occurred_at, actor, actor_type, department, region,
            purpose, action, resource, record_ids, person_ids, outcome, hash, hash
            FROM audit_event WHERE chain = {chain} AND chain_seq = 2""",
    )
    assert verify(engine) == [BrokenLink(chain, 3, "event is not recorded in the chain's head")]


def test_each_broken_chain_is_reported_once_at_its_first_break(engine: Engine) -> None:
    first = write_events(engine, 4)
    second = first
    while second == first:
        second = write_events(engine, 3)
    tamper(
        engine,
        f"UPDATE audit_event SET actor = 'x' WHERE chain = {first} AND chain_seq IN (2, 3)",
        f"DELETE FROM audit_event WHERE chain = {second} AND chain_seq = 1",
    )
    broken = {link.chain: link for link in verify(engine)}
    assert broken[first] == BrokenLink(first, 2, "content was altered")
    assert broken[second].chain_seq == 1


def test_a_denied_attempt_is_chained_with_outcome_denied(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        record_denied(
            session,
            MATERNAL_HEALTH.principal,
            purpose="maternal-care",
            case_id="CASE-1",
            action="read",
            resource="births",
            record_ids=["b-1"],
        )
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).one()
        assert (event.outcome, event.purpose, event.case_id) == (
            "denied",
            "maternal-care",
            "CASE-1",
        )
        assert verify_log(session).intact


def test_rolled_back_work_leaves_no_audit_event(engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        record_access(session, MATERNAL_HEALTH, action="read", resource="births", record_ids=["x"])
        raise RuntimeError("the request failed")
    with Session(engine) as session:
        assert session.exec(select(AuditEvent)).first() is None
        heads = session.exec(select(JournalHead)).all()
        assert all(h.last_seq == 0 for h in heads)


def page(engine: Engine, access: Access = AUDITOR, **filters: object) -> list[AuditEvent]:
    limit = filters.pop("limit", 50)
    cursor = filters.pop("cursor", None)
    with unit_of_work(engine) as session:
        return list_audit_events(
            session,
            access=access,
            filters=AuditFilters(**filters),  # type: ignore[arg-type]
            limit=limit,  # type: ignore[arg-type]
            cursor=cursor,  # type: ignore[arg-type]
        ).items


def test_the_log_lists_newest_first_and_pages_without_gaps(engine: Engine) -> None:
    for _ in range(5):
        write_events(engine, 1)
    with unit_of_work(engine) as session:
        first = list_audit_events(
            session, access=AUDITOR, filters=AuditFilters(resource="births"), limit=3, cursor=None
        )
    assert first.next_cursor is not None
    with unit_of_work(engine) as session:
        rest = list_audit_events(
            session,
            access=AUDITOR,
            filters=AuditFilters(resource="births"),
            limit=3,
            cursor=first.next_cursor,
        )
    assert rest.next_cursor is None
    times = [e.occurred_at for e in first.items + rest.items]
    assert len(times) == 5 and times == sorted(times, reverse=True)


def test_filters_narrow_the_log(engine: Engine) -> None:
    write_events(engine, 2)
    write_events(engine, 1, access_for("public_security", subject="ps-1"))
    assert {e.actor for e in page(engine, department="public_security")} == {"ps-1"}
    assert len(page(engine, actor="ps-1", record_id="record-0")) == 1
    assert len(page(engine, record_id="record-1")) == 1
    assert page(engine, record_id="record-") == []  # whole ids only, not prefixes
    assert page(engine, purpose="crosscheck") == []
    now = utcnow()
    assert len(page(engine, resource="births", occurred_from=now - timedelta(minutes=1))) == 3
    assert page(engine, resource="births", occurred_to=now - timedelta(minutes=1)) == []


def test_an_auditor_reads_the_log_of_its_own_jurisdiction(engine: Engine) -> None:
    write_events(engine, 1, access_for("maternal_health", "420200", subject="huangshi"))
    write_events(engine, 1, access_for("maternal_health", "420100", subject="wuhan"))
    write_events(engine, 1, access_for("maternal_health", "110000", subject="beijing"))

    def actors(region: str) -> set[str]:
        return {e.actor for e in page(engine, access_for("auditor", region), resource="births")}

    assert actors("420200") == {"huangshi"}
    assert actors("420000") == {"huangshi", "wuhan"}
    assert actors("110000") == {"beijing"}
    assert actors("000000") == {"huangshi", "wuhan", "beijing"}


def test_reading_the_log_is_itself_audited(engine: Engine) -> None:
    write_events(engine, 2)
    served = page(engine, resource="births")
    with Session(engine) as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.resource == "audit-events")).all()
    assert len(reads) == 1
    assert reads[0].department == "auditor"
    assert sorted(reads[0].record_ids) == sorted(e.id for e in served)


def test_a_cursor_not_issued_by_the_service_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidInput), unit_of_work(engine) as session:
        list_audit_events(session, access=AUDITOR, filters=AuditFilters(), limit=5, cursor="bm9wZQ")
