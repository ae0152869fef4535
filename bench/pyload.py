"""The asyncio + httpx load generator: the fallback when wrk is not installed.

It saturates before a fast server does (on two cores it was the bottleneck of the raw
server), so its ratios flatter the slower server; prefer wrk.
"""

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, replace

import httpx


@dataclass
class Run:
    """What one load run measured; latencies in milliseconds."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    waiting: int = 0  # unanswered after 2 s (but not yet after 10 s) when the run ended
    target_rate: float = 0.0  # the rate a paced run was scheduled at, requests/s

    @property
    def rate(self) -> float:
        """Answers per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def _run(latencies: list[float], errors: int, seconds: float) -> Run:
    ordered = sorted(latencies) or [0.0]

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Run(len(latencies), seconds, errors, at(50), at(99))


class Load:
    """GETs of `<url>/<random line>` or POSTs of successive lines as JSON bodies."""

    def __init__(self, url: str, method: str, lines: list[str], token: str) -> None:
        self.url = url
        self.method = method
        self.lines = lines
        self.bodies = itertools.cycle(lines)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.rng = random.Random(5)

    async def _send(self, http: httpx.AsyncClient) -> bool:
        if self.method == "POST":
            headers = {**self.headers, "Content-Type": "application/json"}
            response = await http.post(self.url, content=next(self.bodies), headers=headers)
        else:
            response = await http.get(f"{self.url}/{self.rng.choice(self.lines)}")
        return response.status_code < 400

    def _clients(self, count: int) -> list[httpx.AsyncClient]:
        # One single-connection client each: httpx's shared pool costs more CPU per request.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        return [
            httpx.AsyncClient(headers=self.headers, limits=limits, timeout=10) for _ in range(count)
        ]

    def closed(self, connections: int, seconds: float) -> Run:
        """Each connection sends its next request when the last is answered."""
        return asyncio.run(self._closed(connections, seconds))

    async def _closed(self, connections: int, seconds: float) -> Run:
        latencies: list[float] = []
        errors = 0
        deadline = time.perf_counter() + seconds

        async def worker(http: httpx.AsyncClient) -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    errors += not await self._send(http)
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        clients = self._clients(connections)
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for http in clients))
        elapsed = time.perf_counter() - started
        for http in clients:
            await http.aclose()
        return _run(latencies, errors, elapsed)

    def paced(self, connections: int, rate: float, seconds: float) -> Run:
        """Requests started on a fixed schedule; latency counts from the scheduled start."""
        return asyncio.run(self._paced(connections, rate, seconds))

    async def _paced(self, connections: int, rate: float, seconds: float) -> Run:
        latencies: list[float] = []
        errors = 0
        idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        clients = self._clients(connections)
        for http in clients:
            idle.put_nowait(http)

        async def one(scheduled: float) -> None:
            nonlocal errors
            http = await idle.get()
            try:
                errors += not await self._send(http)
            except httpx.HTTPError:
                errors += 1
            finally:
                latencies.append(time.perf_counter() - scheduled)
                idle.put_nowait(http)

        start = time.perf_counter()
        tasks = []
        for n in range(int(rate * seconds)):
            scheduled = start + n / rate
            if (delay := scheduled - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        for http in clients:
            await http.aclose()
        return replace(_run(latencies, errors, elapsed), target_rate=rate)
