"""Database engines and the one unit of work: the journal is appended, then one commit."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from api.config import get_settings
from api.journal.append import write_journal


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
