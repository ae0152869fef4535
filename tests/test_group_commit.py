"""The audit group commit: reads answer only once their event is durable, batches share one
transaction, and a log that cannot be written stops the answer (api/journal/group_commit)."""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import Session, func, select

from api.journal.append import PendingAuditEvent
from api.journal.audit import verify_log
from api.journal.group_commit import AuditUnavailable, AuditWriter
from api.models import AuditEvent
from tests.factories import birth_body


def audit_event(actor: str = "maternal-health-1", **overrides: Any) -> PendingAuditEvent:
    values: dict[str, Any] = {
        "actor": actor,
        "actor_type": "client",
        "department": "maternal_health",
        "region": "420000",
        "purpose": "birth-registration",
        "case_id": None,
        "action": "read",
        "resource": "births",
        "record_ids": ["r1"],
        "person_ids": [],
        "outcome": "success",
    }
    return PendingAuditEvent(**(values | overrides))


def events_in_log(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


@contextmanager
def counting_commits(engine: Engine) -> Iterator[list[int]]:
    commits: list[int] = []

    def count(_connection: Any) -> None:
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", count)


@contextmanager
def audit_table_gone(engine: Engine) -> Iterator[None]:
    """Make every audit append fail, as a lost table or a full disk would."""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_event RENAME TO audit_event_away"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_event_away RENAME TO audit_event"))


def test_concurrent_appends_share_transactions_and_every_event_is_chained(app: FastAPI) -> None:
    engine: Engine = app.state.engine
    writer: AuditWriter = app.state.database.audit

    async def many() -> None:
        await asyncio.gather(*(writer.append([audit_event(f"client-{n}")]) for n in range(40)))

    with counting_commits(engine) as commits:
        asyncio.run(many())
    assert events_in_log(engine) == 40
    assert len(commits) < 40
    with Session(engine) as session:
        assert verify_log(session).intact


def test_a_bad_event_fails_only_the_request_that_sent_it(app: FastAPI) -> None:
    writer: AuditWriter = app.state.database.audit
    unserialisable: Any = [object()]

    async def both() -> list[BaseException | None]:
        return await asyncio.gather(
            writer.append([audit_event("good")]),
            writer.append([audit_event("bad", person_ids=unserialisable)]),
            return_exceptions=True,
        )

    good, bad = asyncio.run(both())
    assert good is None
    assert isinstance(bad, AuditUnavailable)
    assert events_in_log(app.state.engine) == 1


def test_an_append_waits_until_its_event_is_committed(app: FastAPI) -> None:
    writer: AuditWriter = app.state.database.audit
    asyncio.run(writer.append([audit_event()]))
    # Counted on a connection of its own: the writer's transaction has committed.
    assert events_in_log(app.state.engine) == 1


def test_a_read_whose_audit_cannot_be_written_answers_503_without_the_record(
    app: FastAPI, client: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    headers = auth_headers("maternal_health")
    body = birth_body()
    created = client.post("/v1/births", json=body, headers=headers)
    assert created.status_code == 201, created.text
    with audit_table_gone(app.state.engine):
        response = client.get(f"/v1/births/{created.json()['id']}", headers=headers)
    assert response.status_code == 503
    assert response.json()["type"].endswith("/audit-unavailable")
    for value in (body["certificate_no"], body["mother"]["id_number"], body["mother"]["name"]):
        assert value not in response.text
    assert "etag" not in response.headers


def test_a_read_answers_again_once_the_log_can_be_written(
    app: FastAPI, client: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    headers = auth_headers("maternal_health")
    body = birth_body()
    created = client.post("/v1/births", json=body, headers=headers).json()
    with audit_table_gone(app.state.engine):
        assert client.get(f"/v1/births/{created['id']}", headers=headers).status_code == 503
    again = client.get(f"/v1/births/{created['id']}", headers=headers)
    assert again.status_code == 200
    assert body["certificate_no"] in again.text


def test_each_answered_read_left_exactly_one_event(
    app: FastAPI, client: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    headers = auth_headers("maternal_health")
    created = client.post("/v1/births", json=birth_body(), headers=headers).json()
    before = events_in_log(app.state.engine)
    for _ in range(5):
        assert client.get(f"/v1/births/{created['id']}", headers=headers).status_code == 200
    assert events_in_log(app.state.engine) == before + 5


@pytest.mark.parametrize("events", [[], [audit_event()]])
def test_a_writer_serves_one_event_loop_after_another(
    app: FastAPI, events: list[PendingAuditEvent]
) -> None:
    writer: AuditWriter = app.state.database.audit
    asyncio.run(writer.append(events))
    asyncio.run(writer.append([audit_event()]))
    assert events_in_log(app.state.engine) == len(events) + 1


def test_appends_wait_for_a_write_lock_held_elsewhere_without_stopping_the_loop(
    app: FastAPI,
) -> None:
    engine: Engine = app.state.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL appenders take separate chains")
    writer: AuditWriter = app.state.database.audit
    ticks: list[int] = []

    async def scenario(other: Any) -> None:
        appended = asyncio.gather(*(writer.append([audit_event(f"c{n}")]) for n in range(5)))
        for n in range(20):  # the loop keeps serving while the lock is taken
            ticks.append(n)
            await asyncio.sleep(0.005)
        assert not appended.done()
        other.execute("COMMIT")
        await appended

    other = engine.raw_connection()
    try:
        other.execute("BEGIN IMMEDIATE")  # another process, say, is writing
        asyncio.run(scenario(other))
    finally:
        other.close()
    assert len(ticks) == 20
    assert events_in_log(engine) == 5
    with Session(engine) as session:
        assert verify_log(session).intact
