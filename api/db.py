"""Database engines, the request's unit of work, and the one commit: journal, then commit.

A request that only reads (GET, HEAD) gets a read-only session on the same pool: no
transaction is begun (each statement reads a committed snapshot), so on SQLite it never
takes or waits for the write lock, and its audit events go to the process's group commit
(`api.journal.group_commit`). A request that writes gets a session whose transaction
appends its journal and commits once, after the route returns. `Database.admitted`
bounds what requests hold so that none ever waits for a thread another request needs
(see docs/architecture.md, "The audited hot path").
"""

import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import anyio
from anyio import to_thread
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from api.config import get_settings
from api.journal.append import take_journal, write_journal
from api.journal.group_commit import AuditWriter

MAX_OVERFLOW = 20
# How long a SQLite writer waits for the write lock before it gives up.
LOCK_WAIT_SECONDS = 30.0
READ_ONLY = "vitalx_read_only"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# anyio's default thread limiter: admitted requests must leave threads for commits.
_THREADS = 40
# Set by `try_write_lock`: the next transaction already holds SQLite's write lock.
_LOCK_HELD = "vitalx_write_lock_held"
# How often the API's checkpointer copies the write-ahead log into a SQLite database.
CHECKPOINT_SECONDS = 1.0
T = TypeVar("T")
logger = logging.getLogger(__name__)


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
        cursor.execute(f"PRAGMA busy_timeout={int(LOCK_WAIT_SECONDS * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reader begins nothing: each statement is its own snapshot, and query_only makes
        # SQLite refuse a write that slipped into a read.
        reads = bool(connection.get_execution_options().get(READ_ONLY))
        pooled = connection.connection
        _query_only(pooled, reads)
        if not reads and not pooled.info.pop(_LOCK_HELD, False):
            _begin_immediate(pooled.dbapi_connection)


class Checkpointer:
    """Copies SQLite's write-ahead log into the database from a thread of its own.

    SQLite checkpoints in the connection whose commit crossed the log's size threshold,
    and a checkpoint waits for the disk: in the audit writer's commit, that stalled a whole
    event loop for milliseconds. The API's connections therefore never checkpoint
    (`wal_autocheckpoint=0`); this thread does, every `interval` seconds (PASSIVE: it
    never blocks a reader or a writer), and once more when the app shuts down.
    """

    def __init__(self, engine: Engine, *, interval: float = CHECKPOINT_SECONDS) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        event.listen(engine, "connect", _no_autocheckpoint)
        # An engine disposed of without `stop` (a discarded app) must not be checkpointed on.
        event.listen(engine, "engine_disposed", lambda _engine: self._stop.set())
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        """Copy what the log holds into the database now, as far as readers allow."""
        connection = self._engine.raw_connection()  # no transaction: a checkpoint needs none
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._try()

    def _try(self) -> None:
        try:
            self.checkpoint()
        except Exception as exc:  # the next round tries again; SQLite keeps the log safe
            logger.warning("WAL checkpoint failed: %s", type(exc).__name__)

    def stop(self) -> None:
        """End the thread after a last checkpoint."""
        self._stop.set()
        self._thread.join()
        self._try()


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _query_only(pooled: Any, reads: bool) -> None:
    # Straight to the driver, and only when it changes: through SQLAlchemy it cost more
    # than the read.
    if pooled.info.get(READ_ONLY) != reads:
        pooled.dbapi_connection.execute(f"PRAGMA query_only={int(reads)}")
        pooled.info[READ_ONLY] = reads


def try_write_lock(connection: Connection) -> bool:
    """Take SQLite's write lock for `connection`'s next `begin()` if it is free; never wait.

    For the audit group commit, which writes from the event loop and must not block it.
    """
    pooled = connection.connection
    _query_only(pooled, False)
    with _no_busy_wait(pooled.dbapi_connection) as raw:
        if not _one_begin_immediate(raw):
            return False
    pooled.info[_LOCK_HELD] = True
    return True


def _begin_immediate(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE, retried every millisecond at most while another process writes.

    SQLite's own busy handler sleeps ever longer between tries (up to 100 ms a try): with
    two worker processes taking turns at the write lock every few milliseconds, those
    sleeps were the slowest audited reads' wait. The bound stays 30 s.
    """
    with _no_busy_wait(dbapi_connection) as raw:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.0001
        while not _one_begin_immediate(raw):
            if time.monotonic() >= deadline:
                locked = sqlite3.OperationalError("database is locked")
                raise OperationalError("BEGIN IMMEDIATE", None, locked)
            time.sleep(pause)
            pause = min(2 * pause, 0.001)


@contextmanager
def _no_busy_wait(dbapi_connection: Any) -> Iterator[Any]:
    """The driver connection with SQLite's busy handler off, restored afterwards."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        yield dbapi_connection
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(LOCK_WAIT_SECONDS * 1000)}")


def _one_begin_immediate(dbapi_connection: Any) -> bool:
    """One try at BEGIN IMMEDIATE: False if another connection holds the write lock."""
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        return False
    return True


def build_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine for `url` with the settings each supported database needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_file = bool(parsed.database) and parsed.database != ":memory:"
        if in_file:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        # A file database gets a pool as large as PostgreSQL's (SQLAlchemy's default is 5).
        pool = {"pool_size": pool_size, "max_overflow": MAX_OVERFLOW} if in_file else {}
        connect_args = {"check_same_thread": False, "timeout": 30}
        # hide_parameters: a failing statement's message never carries its values (ID numbers).
        engine = create_engine(url, connect_args=connect_args, hide_parameters=True, **pool)
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=MAX_OVERFLOW,
        hide_parameters=True,
    )


def read_only(engine: Engine) -> Engine:
    """The same database and pool, for work that never writes: no transaction, no lock."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{READ_ONLY: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READ_ONLY: True})


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


class ReadSession(Session):
    """A request's session that must not write: it has no transaction to write in."""


@event.listens_for(ReadSession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only request tried to write; use a POST route")


class _RequestSession(Session):
    """A request's session that gives its admission back as soon as it is closed.

    A route that hands its work to other transactions (the bulk import) closes the
    request's session at once, and must not keep other writers waiting meanwhile.
    """

    release: Callable[[], None] | None = None

    def close(self) -> None:
        super().close()
        release, self.release = self.release, None
        if release is not None:
            release()


class _ReadRequestSession(_RequestSession, ReadSession):
    pass


class Database:
    """What requests use of the database: the engines, admission, and the audit writer."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:
        self.engine = engine
        self.reader = read_only(engine)
        sqlite = engine.dialect.name == "sqlite"
        in_file = sqlite and engine.url.database not in (None, "", ":memory:")
        self._checkpointer = Checkpointer(engine) if in_file else None
        self.audit = AuditWriter(engine, try_lock=try_write_lock if sqlite else None)
        # An admitted request holds at most one connection: as many requests as the pool
        # keeps connections, so none waits for the pool or opens a connection of its own (a
        # few milliseconds on PostgreSQL); the overflow serves the audit writer, revocation
        # refreshes and background work. Threads remain for the commits of those admitted.
        self._sessions = anyio.Semaphore(max(1, min(pool_size, _THREADS // 2)))
        # On SQLite one writing request per process at a time, waiting here (in the event
        # loop) rather than in a thread blocked on the database lock.
        self._writer = anyio.Semaphore(1) if sqlite else None

    @asynccontextmanager
    async def admitted(self, *, writes: bool) -> AsyncIterator[Session]:
        """A session for one request, once the request may hold one; closed at the end."""
        # The writer slot first: a writer waiting for it must not hold a session slot.
        gates = [*([self._writer] if writes and self._writer else []), self._sessions]
        for gate in gates:
            try:  # a free slot is taken without a trip through the event loop
                gate.acquire_nowait()
            except anyio.WouldBlock:
                await gate.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                for gate in reversed(gates):
                    gate.release()

        kind = _RequestSession if writes else _ReadRequestSession
        session = kind(self.engine if writes else self.reader, expire_on_commit=False)
        session.release = release
        try:
            yield session
        finally:
            session.close()
            release()

    async def finish(self, session: Session) -> None:
        """End a request's work: commit a writer; audit a reader, durably, before it answers."""
        if not isinstance(session, ReadSession):
            await to_thread.run_sync(_commit_or_roll_back, session)
            return
        journal = take_journal(session)
        if session.new or session.dirty or session.deleted or (journal and journal.feed):
            raise RuntimeError("a read-only request tried to write; use a POST route")
        # Reads hold no transaction: closing returns the connection without a round trip.
        session.close()
        if journal:
            await self.audit.append(journal.audit)

    def close(self) -> None:
        """Give back every connection (when the app shuts down)."""
        self.audit.close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()

    async def abandon(self, session: Session) -> None:
        """Undo a request's work after an error."""
        take_journal(session)
        if isinstance(session, ReadSession):
            session.close()
        else:
            await to_thread.run_sync(session.rollback)


async def run_read(session: Session, work: Callable[[], T]) -> T:
    """Run a request's read-only database work: in place on SQLite, in a worker thread else.

    A SQLite read in WAL mode never waits for a lock and takes a fraction of a millisecond;
    handing it to a thread cost more than the read (the interpreter lock changes hands with
    each call into SQLite). Over a network, a thread lets the event loop serve others.
    """
    if isinstance(session, ReadSession) and session.get_bind().dialect.name == "sqlite":
        return work()
    return await to_thread.run_sync(work)


def _commit_or_roll_back(session: Session) -> None:
    try:
        commit(session)
    except BaseException:
        session.rollback()
        raise
