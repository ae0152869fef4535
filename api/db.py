"""Database engines, the UTC instant column type and the request's unit of work."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from api.config import get_settings


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC that always reads back timezone-aware.

    SQLite has no time zone type and hands back naive values; without this a birth at
    08:30+08:00 would read back as 08:30 UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry an offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current instant in UTC."""
    return datetime.now(UTC)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is disabled so that we can BEGIN IMMEDIATE:
        # a deferred transaction that reads and then writes fails with SQLITE_BUSY at once
        # instead of waiting for the lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine for `url` with the settings each supported database needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


@cache
def get_engine() -> Engine:
    """Return the process-wide engine for the configured database."""
    settings = get_settings()
    return build_engine(settings.database_url, pool_size=settings.db_pool_size)


def commit(session: Session) -> None:
    """Append the transaction's journal (feed and audit events), then commit once."""
    from api.journal import write_journal  # the journal's tables import this module

    write_journal(session)
    session.commit()


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """Open a session that commits once on success and rolls back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            commit(session)
        except BaseException:
            session.rollback()
            session.info.pop("journal", None)
            raise
