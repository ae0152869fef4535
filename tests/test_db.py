"""The database layer: UTC instants, SQLite connection settings, the unit of work, reads
without a write transaction, and requests that never wait for each other's threads."""

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from api import db
from api.db import ReadSession, unit_of_work
from api.models import RevokedToken
from tests.factories import birth_body
from tests.harness import BACKEND

CHINA = timezone(timedelta(hours=8))
BIRTHS = "/v1/births"


def engine_of(app: FastAPI) -> Engine:
    engine: Engine = app.state.engine
    return engine


def test_an_instant_written_at_0830_shanghai_reads_back_as_0030_utc_aware(app: FastAPI) -> None:
    with unit_of_work(engine_of(app)) as session:
        session.add(RevokedToken(jti="t1", expires_at=datetime(2026, 3, 1, 8, 30, tzinfo=CHINA)))
    with Session(engine_of(app)) as session:
        row = session.get(RevokedToken, "t1")
    assert row is not None
    assert row.expires_at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert row.expires_at.utcoffset() == timedelta(0)
    assert (row.expires_at.hour, row.expires_at.minute) == (0, 30)


def test_instants_are_stored_in_utc(app: FastAPI) -> None:
    with unit_of_work(engine_of(app)) as session:
        session.add(RevokedToken(jti="t2", expires_at=datetime(2026, 3, 1, 8, 30, tzinfo=CHINA)))
    with engine_of(app).connect() as connection:
        if BACKEND == "postgresql":
            connection.execute(text("SET TIME ZONE 'UTC'"))
        stored = connection.execute(
            text("SELECT CAST(expires_at AS TEXT) FROM revoked_token WHERE jti = 't2'")
        ).scalar_one()
    assert str(stored).startswith("2026-03-01 00:30:00")


def test_a_naive_datetime_is_refused(app: FastAPI) -> None:
    with (
        pytest.raises(StatementError, match="naive datetime"),
        unit_of_work(engine_of(app)) as session,
    ):
        session.add(RevokedToken(jti="t3", expires_at=datetime(2026, 3, 1, 8, 30)))


def test_the_unit_of_work_rolls_back_everything_on_error(app: FastAPI) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine_of(app)) as session:
        session.add(RevokedToken(jti="t4", expires_at=datetime.now(UTC)))
        session.flush()
        raise RuntimeError("boom")
    with Session(engine_of(app)) as session:
        assert session.get(RevokedToken, "t4") is None


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite connection settings")
def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(app: FastAPI) -> None:
    with engine_of(app).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_foreign_keys_are_enforced(app: FastAPI) -> None:
    with (
        pytest.raises(IntegrityError, match=r"(?i)foreign key"),
        engine_of(app).begin() as connection,
    ):
        connection.execute(
            text("INSERT INTO audit_subject (person_id, chain, chain_seq) VALUES ('p', 99, 99)")
        )


# -- reads without a write transaction; one writer on SQLite; admission ------------------


def test_a_read_only_session_refuses_to_write(app: FastAPI) -> None:
    with (
        pytest.raises(RuntimeError, match="read-only"),
        ReadSession(app.state.database.reader) as session,
    ):
        session.add(RevokedToken(jti="t5", expires_at=datetime.now(UTC)))
        session.flush()


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query_only")
def test_sqlite_refuses_a_write_that_slips_past_a_read_only_session(app: FastAPI) -> None:
    with (
        pytest.raises(OperationalError, match="readonly"),
        app.state.database.reader.connect() as connection,
    ):
        connection.execute(text("DELETE FROM revoked_token"))


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's one write lock")
def test_a_read_does_not_wait_for_a_held_write_lock(app: FastAPI) -> None:
    with engine_of(app).connect() as writer:
        writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is now held
        started = time.monotonic()
        with ReadSession(app.state.database.reader) as session:
            session.exec(select(RevokedToken)).all()
        assert time.monotonic() - started < 5  # a writer would wait 30 s (busy_timeout)


def test_200_concurrent_reads_and_writes_neither_deadlock_nor_fail(
    app: FastAPI, token_for: Callable[..., str]
) -> None:
    # Before reads left the write lock alone and writers waited in the event loop, about
    # 40 concurrent requests on SQLite filled the thread pool with requests waiting for
    # the lock that another request held while it waited for a thread: 500s after 30 s.
    headers = {"Authorization": f"Bearer {token_for('maternal_health')}"}

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=90) as http:
            first = await http.post(BIRTHS, json=birth_body(), headers=headers)
            assert first.status_code == 201, first.text
            read = f"/v1/births/{first.json()['id']}"
            calls = [http.get(read, headers=headers) for _ in range(150)]
            calls += [http.post(BIRTHS, json=birth_body(), headers=headers) for _ in range(50)]
            return await asyncio.wait_for(asyncio.gather(*calls), timeout=90)

    statuses = Counter(response.status_code for response in asyncio.run(crowd()))
    assert statuses == {200: 150, 201: 50}


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")
def test_a_writer_takes_the_write_lock_soon_after_another_releases_it(app: FastAPI) -> None:
    holder = engine_of(app).connect()
    holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is held
    threading.Timer(0.2, holder.close).start()
    started = time.monotonic()
    with engine_of(app).connect() as writer:
        writer.execute(text("SELECT 1"))
        waited = time.monotonic() - started
    assert 0.15 < waited < 1.0


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock")
def test_a_writer_gives_up_on_the_write_lock_after_the_bound(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 0.3)
    with engine_of(app).connect() as holder:
        holder.execute(text("SELECT 1"))
        started = time.monotonic()
        with (
            pytest.raises(OperationalError, match="locked"),
            engine_of(app).connect() as writer,
        ):
            writer.execute(text("SELECT 1"))
        assert 0.3 <= time.monotonic() - started < 5


def test_the_api_never_checkpoints_in_a_commit_and_its_checkpointer_does(app: FastAPI) -> None:
    engine = engine_of(app)
    if BACKEND != "sqlite":
        pytest.skip("SQLite's write-ahead log")
    rounds: list[int] = []

    class Counting(db.Checkpointer):
        def checkpoint(self) -> None:
            super().checkpoint()
            rounds.append(1)

    checkpointer = Counting(engine, interval=0.01)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        deadline = time.monotonic() + 10
        while len(rounds) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        checkpointer.stop()
    assert len(rounds) >= 3  # two rounds of its own and the last one at the stop


def test_reads_recover_after_the_database_drops_every_connection(
    app: FastAPI, client: TestClient, auth_headers: Callable[..., dict[str, str]]
) -> None:
    if BACKEND != "postgresql":
        pytest.skip("a server that can close its clients' connections")
    pids: list[int] = []
    event.listen(engine_of(app), "connect", lambda dbapi, _: pids.append(dbapi.info.backend_pid))
    headers = auth_headers("maternal_health")
    created = client.post(BIRTHS, json=birth_body(), headers=headers).json()
    assert client.get(f"{BIRTHS}/{created['id']}", headers=headers).status_code == 200
    outside = create_engine(engine_of(app).url, poolclass=NullPool)
    with outside.connect() as connection:  # as a restart of the server would
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outside.dispose()
    statuses = [client.get(f"{BIRTHS}/{created['id']}", headers=headers).status_code]
    statuses += [client.get(f"{BIRTHS}/{created['id']}", headers=headers).status_code]
    assert pids
    assert statuses[-1] == 200
    assert set(statuses) <= {200, 503}
