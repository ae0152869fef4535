"""The journals written at commit: feed seqs in commit order, nothing from rolled-back work,
audit chains that verify after concurrent writers."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department
from api.access.principal import Access, Principal
from api.db import unit_of_work
from api.journal import feed
from api.journal.append import (
    PendingAuditEvent,
    append_audit,
    append_audit_by_driver,
    audit_hash,
    pending,
)
from api.journal.audit import record_access, verify_log
from api.models import AuditEvent, Birth, FeedEvent, JournalHead, RecordVersion
from api.models.birth import BirthIn
from api.records import core as records
from api.records.registries.births import BIRTHS
from tests.factories import birth_body

WRITERS = 4
COMMITS_PER_WRITER = 8


def access_for(department: str, subject: str = "test") -> Access:
    dept = Department(department)
    principal = Principal(
        subject=subject,
        actor_type="client",
        department=dept,
        region="000000",
        scopes=frozenset(DEPARTMENT_SCOPES[dept]),
        purposes=DEPARTMENT_PURPOSES[dept],
        jti="test",
    )
    return Access(principal, principal.purposes[0])


MATERNAL_HEALTH = access_for("maternal_health")


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    """The test database's engine."""
    engine: Engine = app.state.engine
    return engine


def register_birth(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        body = BirthIn.model_validate(birth_body())
        return records.create_record(session, BIRTHS, body=body, access=MATERNAL_HEALTH).id


def run_concurrently(work: Callable[[int], None], threads: int = WRITERS) -> None:
    """Run `work(n)` on `threads` threads at once and re-raise the first failure."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors


def test_seqs_are_gapless_and_a_follower_misses_no_commit_of_concurrent_writers(
    engine: Engine,
) -> None:
    created: list[str] = []
    served: list[tuple[int, str]] = []
    writing = threading.Event()
    writing.set()

    def follow() -> None:
        cursor = None
        while True:
            still_writing = writing.is_set()
            with unit_of_work(engine) as session:
                page = feed.read_feed(
                    session, access=access_for("public_security"), after=cursor, types=[], limit=5
                )
            served.extend((i.event.seq, i.event.record_id) for i in page.items)
            cursor = page.next_cursor
            if not still_writing and not page.has_more and not page.items:
                return

    def write(_: int) -> None:
        for _ in range(COMMITS_PER_WRITER):
            created.append(register_birth(engine))

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        run_concurrently(write)
    finally:
        writing.clear()
        follower.join(timeout=120)
    total = WRITERS * COMMITS_PER_WRITER
    # A follower that read a seq can never later find a smaller one committed: it would
    # have skipped it. So what it saw, in order, is every commit once, in seq order.
    assert [seq for seq, _ in served] == list(range(1, total + 1))
    assert sorted(record_id for _, record_id in served) == sorted(created)
    with Session(engine) as session:
        assert session.get(JournalHead, "feed").last_seq == total  # type: ignore[union-attr]


def test_rolled_back_work_leaves_no_record_feed_or_audit_event(engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        body = BirthIn.model_validate(birth_body())
        records.create_record(session, BIRTHS, body=body, access=MATERNAL_HEALTH)
        assert pending(session).feed and pending(session).audit
        raise RuntimeError("the request failed after the write")
    with Session(engine) as session:
        for table in (Birth, RecordVersion, FeedEvent, AuditEvent):
            assert session.exec(select(func.count()).select_from(table)).one() == 0
        assert all(head.last_seq == 0 for head in session.exec(select(JournalHead)))
    # The next unit of work starts clean: nothing of the failed one is appended with it.
    register_birth(engine)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FeedEvent)).one() == 1


def test_audit_chains_verify_after_concurrent_writers(engine: Engine) -> None:
    def write(n: int) -> None:
        for k in range(COMMITS_PER_WRITER):
            with unit_of_work(engine) as session:
                for _ in range(3):
                    record_access(
                        session,
                        access_for("maternal_health", subject=f"writer-{n}"),
                        action="read",
                        resource="births",
                        record_ids=[f"{n}-{k}"],
                    )

    run_concurrently(write)
    total = WRITERS * COMMITS_PER_WRITER * 3
    with Session(engine) as session:
        report = verify_log(session, batch=7)
        assert report.intact, report.broken
        assert report.events_checked == total
        # One transaction's events stay together in one chain, in order.
        for n in range(WRITERS):
            chains = session.exec(
                select(AuditEvent.chain, func.count())
                .where(AuditEvent.actor == f"writer-{n}")
                .group_by(col(AuditEvent.chain))
            ).all()
            assert sum(count for _, count in chains) == COMMITS_PER_WRITER * 3
            assert all(count % 3 == 0 for _, count in chains)


def test_concurrent_record_writes_keep_every_journal_consistent(engine: Engine) -> None:
    def write(_: int) -> None:
        for _ in range(COMMITS_PER_WRITER):
            register_birth(engine)

    run_concurrently(write)
    total = WRITERS * COMMITS_PER_WRITER
    with Session(engine) as session:
        seqs = session.exec(select(FeedEvent.seq).order_by(col(FeedEvent.seq))).all()
        assert list(seqs) == list(range(1, total + 1))
        report = verify_log(session)
        assert report.intact and report.events_checked == total


def test_an_event_hashes_as_every_earlier_version_of_the_log_hashed_it() -> None:
    # Pinned: logs written before the audit append was rewritten must still verify.
    event = AuditEvent(
        chain=3,
        chain_seq=7,
        id="0b6f7a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
        occurred_at=datetime(2026, 3, 1, 0, 30, 0, 123456, tzinfo=UTC),
        actor="maternal-health-0001",
        actor_type="client",
        department="maternal_health",
        region="420202",
        purpose="birth-registration",
        case_id=None,
        action="read",
        resource="births",
        record_ids=["r-1"],
        person_ids=["p-1", "p-2"],
        outcome="success",
        prev_hash="ab" * 32,
        hash="",
    )
    assert audit_hash(event) == "983a01eb51d94fb61520cb74c07e23ea827328b1abd9c5612218538be8cc2604"


def test_the_driver_path_stores_the_events_the_general_path_would(engine: Engine) -> None:
    occurred = datetime(2026, 3, 1, 0, 30, 15, 123456, tzinfo=UTC)
    events = [
        PendingAuditEvent(
            actor=f"client-{n}", actor_type="client", department="maternal_health",
            region="420000", purpose="birth-registration", case_id="案-1" if n else None,
            action="read", resource="births", record_ids=[f"r{n}"],
            person_ids=[f"p{n}", "p-shared"], outcome="success", occurred_at=occurred,
        )
        for n in range(3)
    ]  # fmt: skip
    with unit_of_work(engine) as session:  # the chain heads exist once anything was audited
        append_audit(session, events[:1])
    with engine.connect() as connection, connection.begin():
        append_audit_by_driver(connection, events[1:])
    with Session(engine) as session:
        stored = session.exec(select(AuditEvent).order_by(col(AuditEvent.actor))).all()
        got = [(e.actor, e.case_id, e.person_ids, e.occurred_at) for e in stored]
        assert verify_log(session).intact
    assert got == [(e.actor, e.case_id, e.person_ids, occurred) for e in events]
