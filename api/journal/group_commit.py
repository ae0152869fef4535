"""Group commit of the audit events of reads: one writer thread per process, one transaction
for the events of every request that handed them over while the previous one committed.

A read changes nothing, so its audit event need not share a transaction with anything; it
must only be durable before the answer leaves. Requests hand their events to the writer
and wait (without holding a thread or a connection) until the batch holding them has
committed; a batch that cannot be written fails every request in it, and none of them
answers with data. Under load a batch holds many requests' events, so audited reads cost
one commit and one chain-head lock per batch rather than per request.
"""

import asyncio
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from api.errors import Problem
from api.journal.append import PendingAuditEvent, append_audit

log = logging.getLogger(__name__)

# Bounds a transaction (and the time its chain head is locked) under a burst.
MAX_EVENTS = 1000
# While other requests are about to hand over events, wait this long to commit them all
# at once: a commit of one event costs about as much as one of five.
GATHER_SECONDS = 0.002
# An idle writer thread ends; the next event starts a new one.
IDLE_SECONDS = 5.0


class AuditUnavailable(Problem):
    """The audit log could not be written: the accesses it would record must not happen."""

    status, slug, title = 503, "audit-unavailable", "Audit log unavailable"


@dataclass(frozen=True)
class _Waiter:
    events: Sequence[PendingAuditEvent]
    loop: asyncio.AbstractEventLoop
    done: "asyncio.Future[None]"


def _settle(waiters: list[_Waiter], error: BaseException | None) -> None:
    """Runs in the waiters' event loop: one wake-up for a whole batch."""
    for waiter in waiters:
        if waiter.done.done():  # the request was cancelled meanwhile
            continue
        if error is None:
            waiter.done.set_result(None)
        else:
            waiter.done.set_exception(error)


class AuditWriter:
    """The process's audit appender for work that has no transaction of its own."""

    def __init__(self, engine: Engine, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self._engine = engine
        self._idle_seconds = idle_seconds
        self._queue: deque[_Waiter] = deque()
        self._wake = threading.Condition()
        self._running = False
        self._expected = 0

    @contextmanager
    def expecting(self) -> Iterator[Callable[[], None]]:
        """Announce a request that will hand over its events; yields a call that says it did.

        The writer waits up to `GATHER_SECONDS` for announced requests before it commits.
        """
        with self._wake:
            self._expected += 1
        pending = True

        def arrived() -> None:
            nonlocal pending
            with self._wake:
                if pending:
                    pending = False
                    self._expected -= 1
                    if self._expected == 0 and self._queue:
                        self._wake.notify()

        try:
            yield arrived
        finally:
            arrived()

    async def append(
        self, events: Sequence[PendingAuditEvent], arrived: Callable[[], None] | None = None
    ) -> None:
        """Wait, without holding a thread, until `events` are durable in the audit log."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        waiter = _Waiter(events, loop, loop.create_future())
        with self._wake:
            self._queue.append(waiter)
            if arrived is not None:
                arrived()  # the condition's lock is reentrant
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="audit-writer", daemon=True).start()
            elif len(self._queue) == 1:
                self._wake.notify()  # only the first one: later ones find the writer awake
        await waiter.done

    def _next_batch(self) -> list[_Waiter]:
        with self._wake:
            if not self._queue:
                self._wake.wait(self._idle_seconds)
            deadline = time.monotonic() + GATHER_SECONDS
            while self._queue and self._expected > 0 and (left := deadline - time.monotonic()) > 0:
                self._wake.wait(left)
            batch: list[_Waiter] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].events) <= MAX_EVENTS):
                batch.append(waiter := self._queue.popleft())
                size += len(waiter.events)
            if not batch:
                self._running = False
            return batch

    def _run(self) -> None:
        while batch := self._next_batch():
            self._write(batch)

    def _write(self, batch: list[_Waiter]) -> None:
        error: BaseException | None = None
        try:
            with self._engine.begin() as connection:
                append_audit(connection, [e for waiter in batch for e in waiter.events])
        except Exception as exc:  # whatever it was, the waiting requests must learn of it
            if len(batch) > 1:
                # One request's bad event must not fail its neighbours: write them one by one.
                for waiter in batch:
                    self._write([waiter])
                return
            # The log names the failure, never the events: they hold personal identifiers.
            log.error("an audit batch could not be committed: %s", type(exc).__name__)
            detail = "The access could not be recorded in the audit log, so nothing is returned."
            error = AuditUnavailable(detail, headers={"Retry-After": "5"})
        by_loop: defaultdict[asyncio.AbstractEventLoop, list[_Waiter]] = defaultdict(list)
        for waiter in batch:
            by_loop[waiter.loop].append(waiter)
        for loop, waiters in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, waiters, error)
            except RuntimeError:  # that loop has closed: nobody waits any more
                continue
