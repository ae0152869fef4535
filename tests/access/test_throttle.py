"""The per-key rate limiter: GCRA in this process or in Redis, and its 429 answer."""

import os
import threading
import uuid

import pytest

from api.access.throttle import Decision, MemoryBackend, RedisBackend, Throttle, enforce
from api.errors import TooManyRequests


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(limit: int = 3, window: float = 60.0) -> tuple[Throttle, FakeClock]:
    clock = FakeClock()
    return Throttle(limit, window, backend=MemoryBackend(clock=clock)), clock


def test_a_burst_of_limit_hits_is_admitted_and_the_next_refused() -> None:
    throttle, _ = _throttle(limit=3)
    decisions = [throttle.hit("10.0.0.1") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after == pytest.approx(20.0)


def test_the_allowance_refills_at_limit_per_window() -> None:
    throttle, clock = _throttle(limit=3, window=60)
    for _ in range(3):
        throttle.hit("a")
    clock.now += 19.9
    assert not throttle.hit("a").allowed
    clock.now += 0.2
    assert throttle.hit("a").allowed
    clock.now += 60
    assert throttle.hit("a").remaining == 2


def test_keys_are_counted_apart_and_reset_gives_the_allowance_back() -> None:
    throttle, _ = _throttle(limit=1)
    assert throttle.hit("a").allowed
    assert throttle.hit("b").allowed
    assert not throttle.hit("a").allowed
    throttle.reset("a")
    assert throttle.hit("a").allowed


def test_memory_is_bounded_by_dropping_the_least_recent_keys() -> None:
    backend = MemoryBackend(max_keys=100)
    throttle = Throttle(5, 60, backend=backend)
    for n in range(1000):
        throttle.hit(f"client-{n}")
    assert len(backend) == 100


def test_keys_are_kept_hashed() -> None:
    backend = MemoryBackend()
    Throttle(5, 60, name="lookup", backend=backend).hit("420202199001011234")
    assert not any("420202199001011234" in k for k in backend._tats)


def test_concurrent_hits_never_admit_more_than_the_limit() -> None:
    throttle = Throttle(50, 3600)
    admitted = []

    def worker() -> None:
        admitted.extend(throttle.hit("same").allowed for _ in range(20))

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 50


def test_headers_follow_the_ratelimit_draft_and_retry_after() -> None:
    refused = Decision(False, 10, 0, reset=59.2, retry_after=5.1)
    assert refused.headers() == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
        "Retry-After": "6",
    }
    assert "Retry-After" not in Decision(True, 10, 9, 6.0, 0.0).headers()


def test_enforce_raises_a_429_problem_with_the_headers() -> None:
    throttle, _ = _throttle(limit=1)
    enforce(throttle, "a")
    with pytest.raises(TooManyRequests) as raised:
        enforce(throttle, "a")
    assert raised.value.status == 429
    assert raised.value.headers["Retry-After"] == "60"


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Throttle(0, 60)
    with pytest.raises(ValueError):
        Throttle(5, 0)


REDIS_URL = os.environ.get("VITALX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_the_redis_backend_shares_one_allowance_between_throttles() -> None:
    _redis_or_skip()
    name = f"test-{uuid.uuid4()}"
    first = Throttle(3, 60, name=name, backend=RedisBackend(REDIS_URL))
    second = Throttle(3, 60, name=name, backend=RedisBackend(REDIS_URL))
    decisions = [first.hit("k"), second.hit("k"), first.hit("k"), second.hit("k")]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert 19 < decisions[-1].retry_after <= 20
    first.reset("k")
    assert second.hit("k").allowed


def test_an_unreachable_redis_admits_rather_than_failing() -> None:
    pytest.importorskip("redis")
    throttle = Throttle(1, 60, name="x", backend=RedisBackend("redis://127.0.0.1:1/0"))
    assert throttle.hit("k").allowed and throttle.hit("k").allowed
