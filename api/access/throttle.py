"""Per-key rate limits (429 with Retry-After and RateLimit headers, interface §1).

A `Throttle(limit, window_seconds)` admits `limit` hits per key in any `window_seconds`, as a
burst or spread out, and refills at `limit / window_seconds` a second: the generic cell rate
algorithm (GCRA), which keeps one number per key, so memory stays bounded whatever the
traffic. Keys (client addresses, user names, ID numbers) are hashed before they are kept.

The state lives in this process by default. With `VITALX_REDIS_URL` set, every process of a
deployment shares it in Redis; if Redis cannot be reached, hits are admitted (and logged),
so that a limiter outage does not become a service outage.

Use it from a route:

    decision = enforce(app_throttle(request, "verify", limit=10, window_seconds=60),
                       client_address(request))   # raises TooManyRequests when spent
"""

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from starlette.requests import Request

from api.errors import TooManyRequests

logger = logging.getLogger(__name__)

DEFAULT_MAX_KEYS = 100_000


@dataclass(frozen=True)
class Decision:
    """The answer to one hit: admitted or not, and what the RateLimit headers say."""

    allowed: bool
    limit: int
    remaining: int
    # Seconds until the key's allowance is whole again, and until the next hit is admitted.
    reset: float
    retry_after: float

    def headers(self) -> dict[str, str]:
        """`RateLimit-*` headers (IETF draft), with `Retry-After` when refused."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return headers


class Backend(Protocol):
    """Where a throttle keeps each key's theoretical arrival time (TAT)."""

    def hit(self, key: str, interval: float, window: float, cost: int) -> tuple[bool, float, float]:
        """Apply one GCRA step: (allowed, seconds the TAT lies ahead of now, retry after)."""
        ...

    def reset(self, key: str) -> None:
        """Forget a key."""
        ...


def _gcra(tat: float, now: float, interval: float, window: float, cost: int) -> tuple[bool, float]:
    """One GCRA step: (allowed, new TAT). The TAT runs at most `window` ahead of now."""
    new_tat = max(tat, now) + interval * cost
    return new_tat - window <= now, new_tat


class MemoryBackend:
    """Thread-safe in-process state, the least recently used keys dropped beyond `max_keys`."""

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS, clock: Any = time.monotonic) -> None:
        self._tats: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def hit(self, key: str, interval: float, window: float, cost: int) -> tuple[bool, float, float]:
        with self._lock:
            now = self._clock()
            tat = self._tats.get(key, now)
            allowed, new_tat = _gcra(tat, now, interval, window, cost)
            if not allowed:
                return False, max(tat - now, 0.0), new_tat - window - now
            self._tats[key] = new_tat
            self._tats.move_to_end(key)
            # A dropped key had the oldest activity: at worst it gets a fresh allowance.
            while len(self._tats) > self._max_keys:
                self._tats.popitem(last=False)
            return True, new_tat - now, 0.0

    def reset(self, key: str) -> None:
        with self._lock:
            self._tats.pop(key, None)

    def __len__(self) -> int:
        return len(self._tats)


# The same GCRA step in Redis, atomically, on the server's clock (microseconds).
_GCRA_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
if new_tat - window > now then
  return {0, tostring(tat - now), tostring(new_tat - window - now)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
           math.max(1, math.ceil((new_tat - now) / 1000)))
return {1, tostring(new_tat - now), '0'}
"""


@cache
def _redis_client(url: str) -> Any:
    import redis  # only deployments that configure Redis need the package loaded

    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


class RedisBackend:
    """State shared by every process, in Redis; unreachable Redis admits the hit."""

    def __init__(self, url: str, *, prefix: str = "vitalx:throttle:") -> None:
        self._client = _redis_client(url)
        self._script = self._client.register_script(_GCRA_SCRIPT)
        self._prefix = prefix

    def hit(self, key: str, interval: float, window: float, cost: int) -> tuple[bool, float, float]:
        micro = 1_000_000
        try:
            allowed, ahead, retry = self._script(
                keys=[self._prefix + key],
                args=[round(interval * micro), round(window * micro), cost],
            )
        except Exception:  # any Redis failure: the limiter steps aside, loudly
            logger.exception("rate limiter: Redis unavailable, admitting the request")
            return True, 0.0, 0.0
        return bool(int(allowed)), float(ahead) / micro, float(retry) / micro

    def reset(self, key: str) -> None:
        try:
            self._client.delete(self._prefix + key)
        except Exception:
            logger.exception("rate limiter: Redis unavailable, could not reset a key")


class Throttle:
    """At most `limit` hits per key in any `window_seconds` (GCRA)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        name: str = "default",
        backend: Backend | None = None,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a throttle needs limit >= 1 and window_seconds > 0")
        self.limit = limit
        self.window = float(window_seconds)
        self.interval = self.window / limit
        self.name = name
        self.backend: Backend = backend if backend is not None else MemoryBackend()

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(f"{self.name}\0{key}".encode()).hexdigest()[:32]
        return f"{self.name}:{digest}"

    def hit(self, key: str, cost: int = 1) -> Decision:
        """Count `cost` hits for `key` if the allowance has room, and say what happened."""
        allowed, ahead, retry = self.backend.hit(self._key(key), self.interval, self.window, cost)
        remaining = max(0, min(self.limit, math.floor((self.window - ahead) / self.interval)))
        return Decision(allowed, self.limit, remaining, max(ahead, 0.0), max(retry, 0.0))

    def reset(self, key: str) -> None:
        """Give `key` its whole allowance back (e.g. after a successful login)."""
        self.backend.reset(self._key(key))


def make_throttle(name: str, *, limit: int, window_seconds: float, redis_url: str = "") -> Throttle:
    """A throttle kept in Redis when `redis_url` is set, in this process otherwise."""
    backend = RedisBackend(redis_url) if redis_url else None
    return Throttle(limit, window_seconds, name=name, backend=backend)


_registry_lock = threading.Lock()


def app_throttle(request: Request, name: str, *, limit: int, window_seconds: float) -> Throttle:
    """The app's throttle called `name`, made on first use with the app's settings."""
    state = request.app.state
    with _registry_lock:
        throttles: dict[str, Throttle] = getattr(state, "throttles", None) or {}
        state.throttles = throttles
        throttle = throttles.get(name)
        if throttle is None or (throttle.limit, throttle.window) != (limit, float(window_seconds)):
            redis_url = getattr(state.settings, "redis_url", "")
            throttle = make_throttle(
                name, limit=limit, window_seconds=window_seconds, redis_url=redis_url
            )
            throttles[name] = throttle
        return throttle


def client_address(request: Request) -> str:
    """The address a request came from (behind a proxy: as uvicorn's --proxy-headers set it)."""
    return request.client.host if request.client else "unknown"


def enforce(throttle: Throttle, key: str, cost: int = 1) -> Decision:
    """Count a hit; raise `TooManyRequests` (429 with its headers) when the allowance is spent."""
    decision = throttle.hit(key, cost)
    if not decision.allowed:
        raise TooManyRequests(
            f"Too many requests; try again in {max(1, math.ceil(decision.retry_after))} seconds.",
            headers=decision.headers(),
        )
    return decision
