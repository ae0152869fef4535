"""Group commit of the audit events of reads: one writer thread per process, one transaction
for every event that arrived while the previous one committed.

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
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future

from sqlalchemy import Engine

from api.errors import Problem
from api.journal.append import PendingAuditEvent, append_audit

log = logging.getLogger(__name__)

# Bounds a transaction (and the time its chain head is locked) under a burst.
MAX_BATCH_EVENTS = 1000
# An idle writer thread ends; the next event starts a new one.
IDLE_SECONDS = 5.0

_Waiter = tuple[Sequence[PendingAuditEvent], "Future[None]"]


class AuditUnavailable(Problem):
    """The audit log could not be written: the accesses it would record must not happen."""

    status, slug, title = 503, "audit-unavailable", "Audit log unavailable"


class AuditWriter:
    """The process's audit appender for work that has no transaction of its own."""

    def __init__(self, engine: Engine, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self._engine = engine
        self._idle_seconds = idle_seconds
        self._queue: deque[_Waiter] = deque()
        self._wake = threading.Condition()
        self._running = False

    def submit(self, events: Sequence[PendingAuditEvent]) -> "Future[None]":
        """Queue `events`; the future completes once they are committed (or fails)."""
        done: Future[None] = Future()
        if not events:
            done.set_result(None)
            return done
        with self._wake:
            self._queue.append((events, done))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="audit-writer", daemon=True).start()
            self._wake.notify()
        return done

    async def append(self, events: Sequence[PendingAuditEvent]) -> None:
        """Wait, without holding a thread, until `events` are durable in the audit log."""
        if events:
            await asyncio.wrap_future(self.submit(events))

    def _next_batch(self) -> list[_Waiter]:
        with self._wake:
            if not self._queue:
                self._wake.wait(self._idle_seconds)
            batch: list[_Waiter] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0][0]) <= MAX_BATCH_EVENTS):
                waiter = self._queue.popleft()
                batch.append(waiter)
                size += len(waiter[0])
            if not batch:
                self._running = False
            return batch

    def _run(self) -> None:
        while batch := self._next_batch():
            self._write(batch)

    def _write(self, batch: list[_Waiter]) -> None:
        try:
            self._commit([e for events, _ in batch for e in events])
        except Exception as exc:  # whatever it was, the waiting requests must learn of it
            if len(batch) > 1:
                # One request's bad event must not fail its neighbours: write them one by one.
                for waiter in batch:
                    self._write([waiter])
                return
            # The log names the failure, never the events: they hold personal identifiers.
            log.error("an audit batch could not be committed: %s", type(exc).__name__)
            detail = "The access could not be recorded in the audit log, so nothing is returned."
            batch[0][1].set_exception(AuditUnavailable(detail, headers={"Retry-After": "5"}))
            return
        for _, done in batch:
            done.set_result(None)

    def _commit(self, events: list[PendingAuditEvent]) -> None:
        with self._engine.begin() as connection:
            append_audit(connection, events)
