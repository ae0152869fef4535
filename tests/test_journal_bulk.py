"""Bulk journal writes: rows read back as the ORM would have stored them, feed seqs follow
what the transaction queued before, audit events chain and verify like any other."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.access.policy import Department, Purpose, Scope
from api.access.principal import Access, Principal
from api.bulk.rows import insert_rows
from api.db import unit_of_work
from api.journal.append import PendingFeedEvent, pending
from api.journal.audit import record_access, verify_log
from api.journal.bulk import append_feed_rows, append_queued_audit, feed_row
from api.models import AuditEvent, AuditSubject, Discrepancy, FeedEvent, JournalHead
from api.models.types import utcnow

TABLE = Discrepancy.__table__  # type: ignore[attr-defined]


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    db: Engine = app.state.engine
    return db


def auditor() -> Access:
    principal = Principal(
        subject="crosscheck:bulk",
        actor_type="system",
        department=Department.HEALTH_COMMISSION,
        region="420200",
        scopes=frozenset({Scope.CROSSCHECK_READ}),
        purposes=(Purpose.CROSSCHECK,),
        jti="test",
    )
    return Access(principal, Purpose.CROSSCHECK)


def discrepancy(number: int, at: datetime) -> dict[str, Any]:
    return {
        "id": f"d{number}",
        "version": 1,
        "created_at": at,
        "updated_at": at + timedelta(microseconds=number),
        "source": "crosscheck",
        "fingerprint": f"{number:064d}",
        "type": "BIRTH_NOT_REGISTERED",
        "region": "420202",
        "status": "open",
        "detected_at": at,
        "due_by": date(2026, 3, 31),
        "subjects": [{"resource": "births", "id": f"b{number}"}],
        "fields": [],
        "details": {"days": 31, "名": "张丽"},
        "resolution": None,
        "note": None,
        "resolved_by": None,
        "resolved_at": None,
        "reopened_at": None,
        "reopen_count": 0,
        "first_run_id": "r",
        "last_seen_run_id": "r",
        "last_seen_at": at,
        "last_seen_as_of": None if number % 2 else date(2026, 3, 1),
        "assignee": None,
        "assigned_at": None,
        "assigned_by": None,
    }


def test_insert_rows_stores_what_the_orm_stores(engine: Engine) -> None:
    at = datetime(2026, 3, 1, 8, 30, 0, 5, tzinfo=UTC)
    with Session(engine) as session:
        session.add_all([Discrepancy(**discrepancy(1, at)), Discrepancy(**discrepancy(2, at))])
        session.commit()
    with unit_of_work(engine) as session:
        insert_rows(session, TABLE, [discrepancy(3, at), discrepancy(4, at)])
    with Session(engine) as session:
        rows = {r.id: r.model_dump() for r in session.exec(select(Discrepancy)).all()}
    for one, other in (("d1", "d3"), ("d2", "d4")):
        a, b = rows[one], rows[other]
        assert {
            k: v for k, v in a.items() if k not in ("id", "fingerprint", "updated_at", "subjects")
        } == {
            k: v for k, v in b.items() if k not in ("id", "fingerprint", "updated_at", "subjects")
        }
    assert rows["d3"]["updated_at"] == at + timedelta(microseconds=3)
    assert rows["d4"]["last_seen_as_of"] == date(2026, 3, 1)


def test_feed_rows_follow_the_events_the_transaction_queued_before(engine: Engine) -> None:
    now = utcnow()
    with unit_of_work(engine) as session:
        pending(session).feed.append(PendingFeedEvent("x.queued", "births", "b0", "420202", {}))
        rows = [
            feed_row(
                type="x.bulk",
                resource="births",
                record_id=f"b{i}",
                region="420202",
                data="{}",
                at=now,
            )  # type: ignore[arg-type]
            for i in range(1, 4)
        ]
        append_feed_rows(session, rows)
    with Session(engine) as session:
        events = session.exec(select(FeedEvent).order_by(col(FeedEvent.seq))).all()
        head = session.get(JournalHead, "feed")
    assert [(e.type, e.record_id) for e in events] == [
        ("x.queued", "b0"),
        *[("x.bulk", f"b{i}") for i in range(1, 4)],
    ]
    seqs = [e.seq for e in events]
    assert (
        seqs == list(range(seqs[0], seqs[0] + 4)) and head is not None and head.last_seq == seqs[-1]
    )


def test_queued_audit_events_are_chained_now_and_the_log_verifies(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for i in range(5):
            record_access(session, auditor(), action="open", resource="discrepancies",
                          record_ids=[f"d{i}"], person_ids=[f"p{i}", f"p{i}", "p9"])  # fmt: skip
        append_queued_audit(session)
        assert pending(session).audit == []
        # Appended at commit as usual, after the bulk ones.
        record_access(
            session, auditor(), action="close", resource="discrepancies", record_ids=["d0"]
        )
    with unit_of_work(engine) as session:
        record_access(
            session, auditor(), action="reopen", resource="discrepancies", record_ids=["d1"]
        )
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.occurred_at))).all()
        actions, first = [e.action for e in events], events[0].person_ids
        subjects = session.exec(select(AuditSubject.person_id)).all()
    with Session(engine) as session:
        report = verify_log(session)
    assert actions == ["open"] * 5 + ["close", "reopen"]
    assert first == ["p0", "p9"]
    assert sorted(subjects) == sorted(["p0", "p1", "p2", "p3", "p4"] + ["p9"] * 5)
    assert report.intact and report.events_checked == 7
