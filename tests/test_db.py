"""The database layer: UTC instants, SQLite connection settings, the unit of work."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

from api.db import unit_of_work
from api.models import RevokedToken
from tests.harness import BACKEND

CHINA = timezone(timedelta(hours=8))


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
