"""Reconciling many findings at once: every change leaves its row, version, feed event and
access-log entry, written a chunk at a time, in the journals' usual order and shape."""

from collections import Counter
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from api.crosscheck import reconcile
from api.crosscheck.linkage.findings import Finding
from api.crosscheck.tracking import announce, present
from api.crosscheck.worklist import resolve_discrepancy
from api.db import unit_of_work
from api.journal.audit import verify_log
from api.models import AuditEvent, AuditSubject, Discrepancy, FeedEvent, RecordVersion
from api.models.discrepancy import Resolution
from tests.crosscheck.support import (
    AS_OF,
    T,
    add_birth,
    add_person,
    clerk,
    finding,
    reconciled,
    stored,
)

N = 23  # three chunks of ten
FIXED = Resolution.FIXED


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    db: Engine = app.state.engine
    return db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconcile, "CHUNK_FINDINGS", 10)


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def feed(session: Session) -> list[FeedEvent]:
    return list(session.exec(select(FeedEvent).order_by(col(FeedEvent.seq))).all())


def audited(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        query = select(AuditEvent).where(AuditEvent.resource == "discrepancies")
        return list(session.exec(query.order_by(col(AuditEvent.occurred_at))).all())


def test_n_findings_make_n_rows_versions_and_feed_events_with_contiguous_seqs(
    engine: Engine,
) -> None:
    items = [finding() for _ in range(N)]
    with unit_of_work(engine) as session:
        assert reconciled(session, items).opened == N
    with Session(engine) as session:
        rows = session.exec(select(Discrepancy)).all()
        versions = session.exec(select(RecordVersion)).all()
        events = feed(session)
        assert {r.fingerprint for r in rows} == {i.fingerprint for i in items}
        assert sorted((v.record_id, v.version, v.action) for v in versions) == sorted(
            (r.id, 1, "open") for r in rows
        )
        seqs = [e.seq for e in events]
        assert seqs == list(range(seqs[0], seqs[0] + N))
        assert {e.record_id for e in events} == {r.id for r in rows}
        assert {e.type for e in events} == {"discrepancy.opened"}
        # The same snapshot as the row reads now, in its version and on the feed.
        by_id = {r.id: present(r) for r in rows}
        assert all(v.data == by_id[v.record_id] for v in versions)
        assert all(e.data == by_id[e.record_id] for e in events)
        assert verify_log(session).intact
    events = audited(engine)
    assert {e.action for e in events} == {"open"}
    assert sorted(i for e in events for i in e.record_ids) == sorted(by_id)


def test_feed_events_match_what_announce_queues_for_the_same_row(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        reconciled(session, [finding(T.ATTRIBUTE_MISMATCH, fields=("child_sex",))])
    with unit_of_work(engine) as session:
        row = session.exec(select(Discrepancy)).one()
        announce(session, "discrepancy.opened", row)
        (queued,) = [vars(e) for e in session.info["journal"].feed]
        (event,) = feed(session)
        session.info.pop("journal")
    stored_event = {k: getattr(event, k) for k in ("type", "resource", "record_id", "region")}
    assert stored_event | {"data": event.data} == {k: queued[k] for k in [*stored_event, "data"]}


def test_a_second_run_over_the_same_findings_changes_nothing_but_the_last_sighting(
    engine: Engine,
) -> None:
    items = [finding() for _ in range(N)]
    with unit_of_work(engine) as session:
        reconciled(session, items, "run-1")
    with Session(engine) as session:
        before = [count(session, m) for m in (RecordVersion, FeedEvent, AuditEvent)]
    with unit_of_work(engine) as session:
        outcome = reconciled(session, items, "run-2", as_of=AS_OF + timedelta(days=1))
    assert (outcome.opened, outcome.unchanged, outcome.closed) == (0, N, 0)
    with Session(engine) as session:
        assert [count(session, m) for m in (RecordVersion, FeedEvent, AuditEvent)] == before
        rows = session.exec(select(Discrepancy)).all()
        seen = {(r.version, r.last_seen_run_id, r.last_seen_as_of) for r in rows}
        assert seen == {(1, "run-2", AS_OF + timedelta(days=1))}


def test_reopen_and_close_across_chunks_are_journaled_and_the_chain_verifies(
    engine: Engine,
) -> None:
    items = [finding() for _ in range(N)]
    with unit_of_work(engine) as session:
        reconciled(session, items, "run-1")
    fixed = items[:12]
    with unit_of_work(engine) as session:
        for item in fixed:
            row = stored(session, item)
            resolve_discrepancy(
                session, row.id, resolution=Resolution.FIXED, note="改", access=clerk()
            )
    # Found again: the first five fixed ones, and three still open; the rest vanished.
    again = fixed[:5] + items[12:15]
    with unit_of_work(engine) as session:
        outcome = reconciled(session, again, "run-2")
    assert (outcome.reopened, outcome.unchanged, outcome.closed) == (5, 3, N - 15)
    with Session(engine) as session:
        status = Counter(session.exec(select(Discrepancy.status)).all())
        assert status == {"reopened": 5, "open": 3, "resolved": N - 8}
        actions = Counter(session.exec(select(RecordVersion.action)).all())
        assert actions == {"open": N, "resolve": 12, "reopen": 5, "close": N - 15}
        types = Counter(e.type for e in feed(session))
        assert types == {
            "discrepancy.opened": N,
            "discrepancy.resolved": 12 + N - 15,
            "discrepancy.reopened": 5,
        }
        seqs = [e.seq for e in feed(session)]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        assert verify_log(session).intact
    assert Counter(e.action for e in audited(engine) if e.actor == "crosscheck:test") == {
        "open": 3,
        "reopen": 1,
        "close": 1,
    }


def test_changes_queued_before_the_run_keep_their_place_on_the_feed(engine: Engine) -> None:
    item = finding()
    with unit_of_work(engine) as session:
        reconciled(session, [item], "run-1")
    with unit_of_work(engine) as session:
        row = stored(session, item)
        resolve_discrepancy(session, row.id, resolution=FIXED, note="改", access=clerk())
        reconciled(session, [item, finding()], "run-2")
    with Session(engine) as session:
        assert [e.type for e in feed(session)] == [
            "discrepancy.opened",
            "discrepancy.resolved",
            "discrepancy.reopened",
            "discrepancy.opened",
        ]


def test_the_access_log_names_the_persons_behind_each_subject(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        mother = add_person(session)
        birth = add_birth(session, mother_id_number=mother.id_number)
        item = Finding(T.BIRTH_NOT_REGISTERED, "420202", (("births", birth.id),), (), {})
        twins = finding(T.DUPLICATE_PERSON, ("persons", "p2"), ("persons", "p1"))
        reconciled(session, [item, twins])
    (event,) = audited(engine)
    assert event.person_ids == ["p1", "p2", mother.id]
    with Session(engine) as session:
        subjects = session.exec(
            select(AuditSubject.person_id).where(AuditSubject.chain == event.chain)
        ).all()
    assert sorted(subjects) == sorted(["p1", "p2", mother.id])
