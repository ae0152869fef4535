"""Versioned records under concurrency and their pure helpers (api/records.py)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from api.db import unit_of_work
from api.errors import Conflict, PreconditionFailed
from api.models import Birth, FeedEvent, RecordVersion
from api.models.birth import BirthIn
from api.records import core as records
from api.records.registries.births import BIRTHS
from tests.factories import access_for, birth_body

WRITERS = 6


def _race(work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in WRITERS threads released at once; collect results or exceptions."""
    barrier = threading.Barrier(WRITERS)
    outcomes: list[Any] = [None] * WRITERS

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = work(i)
        except Exception as exc:  # collected and asserted on by the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _create(app: FastAPI, body: dict[str, Any]) -> str:
    with unit_of_work(app.state.engine) as session:
        row = records.create_record(
            session, BIRTHS, body=BirthIn.model_validate(body), access=access_for("maternal_health")
        )
        return row.id


def test_concurrent_creates_of_one_certificate_store_exactly_one(app: FastAPI) -> None:
    body = birth_body()
    outcomes = _race(lambda _: _create(app, body))
    created = [o for o in outcomes if isinstance(o, str)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(created) == 1, outcomes
    assert len(conflicts) == WRITERS - 1
    assert all(c.extra["existing_id"] == created[0] for c in conflicts)
    with Session(app.state.engine) as session:
        assert len(session.exec(select(Birth)).all()) == 1


def test_concurrent_corrections_of_one_version_lose_no_update(app: FastAPI) -> None:
    birth_id = _create(app, birth_body())

    def correct(i: int) -> int:
        with unit_of_work(app.state.engine) as session:
            row = records.update_record(
                session,
                BIRTHS,
                birth_id,
                expected_version=1,
                patch={"birth_weight_g": 3000 + i},
                access=access_for("maternal_health"),
            )
            return row.birth_weight_g or 0

    outcomes = _race(correct)
    won = [o for o in outcomes if isinstance(o, int)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, PreconditionFailed) for o in outcomes if not isinstance(o, int))
    with Session(app.state.engine) as session:
        row = session.get(Birth, birth_id)
        assert row is not None and row.version == 2 and row.birth_weight_g == won[0]
        versions = session.exec(select(RecordVersion).where(RecordVersion.record_id == birth_id))
        assert [v.version for v in versions] == [1, 2]


def test_concurrent_creates_number_feed_events_without_gaps(app: FastAPI) -> None:
    _race(lambda _: _create(app, birth_body()))
    with Session(app.state.engine) as session:
        seqs = session.exec(select(FeedEvent.seq).order_by(FeedEvent.seq)).all()
    assert list(seqs) == list(range(1, WRITERS + 1))


def test_a_failed_create_leaves_no_trace(app: FastAPI) -> None:
    body = birth_body()
    _create(app, body)
    with pytest.raises(Conflict):
        _create(app, {**body, "child_name": "李梓涵"})
    with Session(app.state.engine) as session:
        assert len(session.exec(select(FeedEvent)).all()) == 1
        assert len(session.exec(select(RecordVersion)).all()) == 1


def test_merge_patch_replaces_nested_members_and_removes_nulls() -> None:
    target = {"a": 1, "mother": {"id_number": "x", "name": "王芳"}, "child_name": "李"}
    patch = {"mother": {"name": "王芬"}, "child_name": None}
    assert records.merge_patch(target, patch) == {
        "a": 1,
        "mother": {"id_number": "x", "name": "王芬"},
    }
