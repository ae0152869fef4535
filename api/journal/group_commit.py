"""Group commit of the audit events of reads: one transaction for the events of every
request that handed them over while the previous one was being written.

A read changes nothing, so its audit event need not share a transaction with anything; it
must only be durable before the answer leaves. Requests hand their events to the writer
and await a future (holding no thread and no connection) that is settled once the batch
holding them has committed; a batch that cannot be written fails every request in it,
and none of them answers with data.

Each event loop (one per worker process) gathers its own batches. The first event of a
batch schedules the flush behind the work the loop has ready, so every request that
reaches its append in that round shares the transaction, and events that arrive while a
flush is in flight form the next batch:

- On SQLite the flush runs in the event loop itself. A local append of a batch takes a
  fraction of a millisecond, less than handing it to a thread, which would then wait up
  to the interpreter's switch interval for the GIL after each call into SQLite. It never
  waits for the write lock: when another process holds it, the batch (growing meanwhile)
  is tried again a moment later.
- On PostgreSQL the flush runs in the writer's one thread: its commit waits for the WAL to
  reach the disk, and the loop serves other requests meanwhile.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from api.errors import Problem
from api.journal.append import PendingAuditEvent, append_audit_by_driver

log = logging.getLogger(__name__)

# Bounds a transaction (and the time its chain head is locked) under a burst.
MAX_EVENTS = 1000
# How soon a SQLite flush that found the write lock taken tries again.
RETRY_SECONDS = 0.0005
# How long a SQLite flush may keep trying before its requests fail (the lock's bound).
LOCK_WAIT_SECONDS = 30.0

# Takes SQLite's write lock for the connection's next transaction if it is free right
# now; False if another connection holds it (api/db.py).
TryLock = Callable[[Connection], bool]


class AuditUnavailable(Problem):
    """The audit log could not be written: the accesses it would record must not happen."""

    status, slug, title = 503, "audit-unavailable", "Audit log unavailable"


def _unavailable() -> AuditUnavailable:
    detail = "The access could not be recorded in the audit log, so nothing is returned."
    return AuditUnavailable(detail, headers={"Retry-After": "5"})


@dataclass(frozen=True)
class _Waiter:
    events: Sequence[PendingAuditEvent]
    done: "asyncio.Future[None]"


@dataclass
class _Batches:
    """One event loop's queue of waiting requests and whether a flush is under way."""

    loop: asyncio.AbstractEventLoop
    queue: list[_Waiter] = field(default_factory=list)
    busy: bool = False
    waiting_since: float | None = None

    def take(self) -> list[_Waiter]:
        """The next batch: whole requests, at most `MAX_EVENTS` events (at least one request)."""
        size, count = 0, 0
        for waiter in self.queue:
            if count and size + len(waiter.events) > MAX_EVENTS:
                break
            size += len(waiter.events)
            count += 1
        batch, self.queue = self.queue[:count], self.queue[count:]
        return batch


def _settle(batch: Sequence[_Waiter], error: BaseException | None) -> None:
    for waiter in batch:
        if waiter.done.done():  # the request was cancelled meanwhile
            continue
        if error is None:
            waiter.done.set_result(None)
        else:
            waiter.done.set_exception(error)


class AuditWriter:
    """The process's audit appender for work that has no transaction of its own."""

    def __init__(self, engine: Engine, *, try_lock: TryLock | None = None) -> None:
        self._engine = engine
        # Given (SQLite): flushes run in the event loop; else in the writer's thread.
        self._try_lock = try_lock
        self._batches: dict[asyncio.AbstractEventLoop, _Batches] = {}
        self._executor: ThreadPoolExecutor | None = None
        # The in-loop writer's own connection, and a lock for loops of other threads (tests).
        self._connection: Connection | None = None
        self._connection_lock = threading.Lock()

    async def append(self, events: Sequence[PendingAuditEvent]) -> None:
        """Wait, without holding a thread, until `events` are durable in the audit log."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        batches = self._batches.get(loop)
        if batches is None:
            batches = self._batches[loop] = _Batches(loop)
        waiter = _Waiter(events, loop.create_future())
        batches.queue.append(waiter)
        if not batches.busy:
            batches.busy = True
            loop.call_soon(self._flush, batches)
        await waiter.done

    def _flush(self, batches: _Batches) -> None:
        """Write the next batch of `batches` (in its loop), or let the loop go idle."""
        if not batches.queue:
            batches.busy = False
            del self._batches[batches.loop]
            return
        if self._try_lock is None:
            batch = batches.take()
            future = batches.loop.run_in_executor(self._thread(), self._write, batch)
            future.add_done_callback(lambda f: self._written(batches, batch, f.result()))
            return
        self._flush_here(batches)

    def _written(
        self, batches: _Batches, batch: list[_Waiter], error: BaseException | None
    ) -> None:
        self._answer(batches, batch, error)
        self._flush(batches)

    def _answer(self, batches: _Batches, batch: list[_Waiter], error: BaseException | None) -> None:
        if error is not None and len(batch) > 1:
            # One request's bad event must not fail its neighbours: write them one by one.
            batches.loop.create_task(self._one_by_one(batch))
        else:
            _settle(batch, error)

    def _thread(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="audit-writer")
        return self._executor

    def _flush_here(self, batches: _Batches) -> None:
        """SQLite: append the batch in the loop if the write lock is free, else retry soon."""
        assert self._try_lock is not None
        with self._connection_lock:
            connection = self._connection or self._engine.connect()
            self._connection = connection
            try:
                locked = self._try_lock(connection)
            except Exception as exc:
                locked = False
                self._drop_connection()
                log.error("the audit writer could not open its transaction: %s", type(exc).__name__)
            if locked:
                batch = batches.take()
                batches.waiting_since = None
                error = self._append(connection, batch)
        if not locked:
            self._wait_for_lock(batches)
            return
        self._answer(batches, batch, error)
        batches.loop.call_soon(self._flush, batches)

    def _wait_for_lock(self, batches: _Batches) -> None:
        now = time.monotonic()
        batches.waiting_since = batches.waiting_since or now
        if now - batches.waiting_since < LOCK_WAIT_SECONDS:
            batches.loop.call_later(RETRY_SECONDS, self._flush, batches)
            return
        batches.waiting_since = None
        log.error("the audit writer found the database locked for %.0f s", LOCK_WAIT_SECONDS)
        _settle(batches.take(), _unavailable())
        batches.loop.call_soon(self._flush, batches)

    def _append(self, connection: Connection, batch: list[_Waiter]) -> BaseException | None:
        """Append `batch` in a transaction whose write lock `connection` already holds."""
        try:
            with connection.begin():
                append_audit_by_driver(connection, [e for waiter in batch for e in waiter.events])
        except Exception as exc:
            self._drop_connection()
            return self._failed(exc)
        return None

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()  # its state after a failure is unknown: never reuse it
            connection.close()

    async def _one_by_one(self, batch: list[_Waiter]) -> None:
        for waiter in batch:
            error = await asyncio.get_running_loop().run_in_executor(
                self._thread(), self._write, [waiter]
            )
            _settle([waiter], error)

    def _write(self, batch: list[_Waiter]) -> BaseException | None:
        """Append `batch` in a transaction of its own (waiting for the lock); the error, if any."""
        try:
            with self._engine.begin() as connection:
                append_audit_by_driver(connection, [e for waiter in batch for e in waiter.events])
        except Exception as exc:  # whatever it was, the waiting requests must learn of it
            return self._failed(exc)
        return None

    def close(self) -> None:
        """Give back the writer's connection and end its thread (when the app shuts down)."""
        with self._connection_lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    @staticmethod
    def _failed(exc: Exception) -> BaseException:
        # The log names the failure, never the events: they hold personal identifiers.
        log.error("an audit batch could not be committed: %s", type(exc).__name__)
        return _unavailable()
