"""Revoked tokens as an in-process set, reloaded from the database every few seconds.

Staleness bound: a token revoked anywhere is refused by every process for every request
that starts `REFRESH_SECONDS` (2 s) or more after the revocation committed. A request that
finds the set older than that reloads it first (one indexed query for the whole process),
and the set counts its age from the moment its query started. In the process that
revoked it, a token is refused at once. If the set cannot be reloaded, requests fail
rather than trust a stale set.
"""

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from api.models import RevokedToken
from api.models.types import utcnow
from api.security.tokens import LEEWAY_SECONDS

REFRESH_SECONDS = 2.0
_TABLE = RevokedToken.__table__  # type: ignore[attr-defined]

# Tokens this process revoked (jti -> when they expire): refused before the next reload.
_revoked_here: dict[str, datetime] = {}


def note_revoked(jti: str, expires_at: datetime) -> None:
    """Refuse `jti` in this process at once (kept even if the revoking work rolls back)."""
    _revoked_here[jti] = expires_at


class RevocationList:
    """The `jti`s of revoked tokens that have not expired yet."""

    def __init__(
        self,
        engine: Engine,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._jtis: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def is_fresh(self) -> bool:
        """True while the set is younger than the staleness bound."""
        return self._clock() - self._loaded_at < self._refresh_seconds

    def refresh(self) -> None:
        """Reload the set unless another thread just did (blocking: run it in a thread)."""
        with self._lock:
            if self.is_fresh():
                return
            started = self._clock()
            # Kept while a token could still pass: until its expiry plus the clock leeway.
            live_after = utcnow() - timedelta(seconds=LEEWAY_SECONDS)
            query = select(_TABLE.c.jti).where(_TABLE.c.expires_at > live_after)
            with self._engine.connect() as connection:
                jtis = frozenset(connection.execute(query).scalars())
            for jti, expires_at in list(_revoked_here.items()):
                if expires_at < live_after:
                    _revoked_here.pop(jti, None)
            self._jtis, self._loaded_at = jtis, started

    def __contains__(self, jti: object) -> bool:
        return jti in self._jtis or jti in _revoked_here
