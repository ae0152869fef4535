"""Load generation for the HTTP benchmarks: wrk with `bench/wrk.lua`, Python as a fallback.

`compare` drives running servers through the same phases whatever the tool, each phase on
every server in turn:
  - a 3 s warm-up;
  - saturation: 2 threads, 16 connections, closed loop (the issue's anchor set-up), twice
    per server (A B B A), averaged;
  - paced: 80% of that saturation rate on a fixed schedule, latency from each request's
    scheduled start (open loop bounded by 16 connections); reads over the same 2 threads,
    creates over one thread per connection (see `KEYED_MODES`);
  - spike: 5x the paced rate over 5x the connections, for 12 s, threads as paced;
  - crowd: 200 connections, closed loop, for 12 s.
Errors are answers >= 400, socket errors, and requests unanswered after the 10 s timeout
(answered late, or still waiting when a run ends, except in the saturation runs, whose
answers are not paired with their requests). Requests waiting over 2 s at the end are
shown apart.
"""

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import pyload
from bench.pyload import Run

WRK = shutil.which("wrk")
SCRIPT = Path(__file__).with_name("wrk.lua")
CONNECTIONS = 16
# wrk's threads wherever connections share them: one per core, so that on this 2-core
# machine wrk competes with the servers as little as it can (with sixteen threads, one per
# connection, even the raw app at 80% of its saturation rate showed a p50 of ≈ 200 ms from
# schedule on a quiet machine).
THREADS = 2
# Modes whose answers name the request, so that bench/wrk.lua pairs answers with requests
# however many connections share a thread: a read answers the record with the id it asked
# for. A create's answer names only the id the server chose (the raw app's is just that),
# so paced creates keep one connection per thread, the thread's one request in flight.
KEYED_MODES = frozenset({"get"})
ONE_PER_THREAD = (
    "80% and spike runs: one thread per connection, as a create's answer names no request;"
    " wrk's threads weigh on their latencies"
)
SPIKE_FACTOR = 5
# Longer than the timeout, so that a request a stalled server never answers counts.
SPIKE_SECONDS = 12.0
CROWD = 200
CROWD_SECONDS = 12.0
TIMEOUT_SECONDS = 10

# A file of request targets for a run of so many seconds: record ids (GET), or enough fresh
# JSON bodies (POST) that no body is sent twice.
Targets = Callable[[float], Path]


@dataclass
class Profile:
    """The figures of one server under one workload."""

    saturated: Run
    paced: Run
    spike: Run
    crowd: Run
    tool: str


def run_wrk(
    url: str,
    mode: str,
    file: Path,
    *,
    token: str,
    seconds: float,
    connections: int,
    rate: float = 0.0,
    threads: int | None = None,
) -> Run:
    """One wrk run; unless `threads` is given, one thread per connection."""
    assert WRK is not None
    threads = threads or connections
    per_thread = rate / threads if rate else 0.0
    command = [
        WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
        "--timeout", f"{TIMEOUT_SECONDS}s", "-s", str(SCRIPT), url,
        "--", mode, str(file), f"{per_thread:.4f}", token, str(threads),
        _pairing(mode, threads == connections, paced=rate > 0),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK-RESULT "))
    data = json.loads(line.removeprefix("WRK-RESULT "))
    if data["unpaired"] > data["status_errors"]:
        raise RuntimeError(f"answers of {url} no longer name the record id asked for")
    errors = data["status_errors"] + data["socket_errors"] + data["timeouts"] + data["stalled"]
    waiting = data["waiting"] - data["stalled"]
    return Run(
        requests=data["requests"],
        seconds=data["seconds"],
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        waiting=waiting,
        target_rate=rate,
    )


def _pairing(mode: str, one_per_thread: bool, *, paced: bool) -> str:
    """How bench/wrk.lua pairs answers with requests (its PAIR argument)."""
    if one_per_thread:
        return "order"
    if paced and mode not in KEYED_MODES:
        raise ValueError(f"paced {mode!r} runs need one connection per thread")
    # Closed loop over shared connections (saturation) needs no pairing, and is measured
    # without wrk handing every answer to Lua.
    return "id" if paced else ""


@dataclass(frozen=True)
class Server:
    """A running server under test: where to send, what, and with which token."""

    url: str
    targets: Targets
    token: str = ""

    def run(
        self,
        mode: str,
        seconds: float,
        connections: int,
        rate: float = 0.0,
        threads: int | None = None,
    ) -> Run:
        """One wrk run against this server."""
        return run_wrk(
            self.url,
            mode,
            self.targets(seconds),
            token=self.token,
            seconds=seconds,
            connections=connections,
            rate=rate,
            threads=threads,
        )


def compare(mode: str, servers: Sequence[Server], *, seconds: float) -> list[Profile]:
    """Every phase on every server in turn, so that all meet the same machine.

    Saturation runs twice, in the order A B … B A, and each server's two runs are averaged,
    so that a load that drifts during the run weighs on all servers alike.
    """
    if WRK is None:
        return [_python_profile(mode, server, seconds=seconds) for server in servers]
    for server in servers:
        server.run(mode, 3.0, CONNECTIONS, threads=THREADS)
    first = [server.run(mode, seconds, CONNECTIONS, threads=THREADS) for server in servers]
    second = [
        server.run(mode, seconds, CONNECTIONS, threads=THREADS) for server in reversed(servers)
    ]
    saturated = [_mean(a, b) for a, b in zip(first, reversed(second), strict=True)]
    keyed = mode in KEYED_MODES
    threads = THREADS if keyed else None
    paced = [
        server.run(mode, seconds, CONNECTIONS, 0.8 * sat.rate, threads)
        for server, sat in zip(servers, saturated, strict=True)
    ]
    spikes = [
        server.run(
            mode, SPIKE_SECONDS, SPIKE_FACTOR * CONNECTIONS, SPIKE_FACTOR * run.target_rate, threads
        )
        for server, run in zip(servers, paced, strict=True)
    ]
    crowds = [server.run(mode, CROWD_SECONDS, CROWD) for server in servers]
    tool = "wrk" if keyed else f"wrk ({ONE_PER_THREAD})"
    return [Profile(*phases, tool) for phases in zip(saturated, paced, spikes, crowds, strict=True)]


def _mean(a: Run, b: Run) -> Run:
    return Run(
        requests=a.requests + b.requests,
        seconds=a.seconds + b.seconds,
        errors=a.errors + b.errors,
        p50_ms=(a.p50_ms + b.p50_ms) / 2,
        p99_ms=max(a.p99_ms, b.p99_ms),
        waiting=a.waiting + b.waiting,
    )


def _python_profile(mode: str, server: Server, *, seconds: float) -> Profile:
    """The same phases with the asyncio client (used only when wrk is not installed)."""
    method = "POST" if mode == "post" else "GET"

    def load(phase_seconds: float) -> pyload.Load:
        lines = server.targets(phase_seconds).read_text(encoding="utf-8").splitlines()
        return pyload.Load(server.url, method, lines, server.token)

    load(3.0).closed(CONNECTIONS, 3.0)
    saturated = load(seconds).closed(CONNECTIONS, seconds)
    rate = 0.8 * saturated.rate
    paced = load(seconds).paced(CONNECTIONS, rate, seconds)
    spiked = SPIKE_FACTOR * CONNECTIONS, SPIKE_FACTOR * rate
    spike = load(SPIKE_SECONDS).paced(*spiked, SPIKE_SECONDS)
    crowd = load(CROWD_SECONDS).closed(CROWD, CROWD_SECONDS)
    return Profile(saturated, paced, spike, crowd, "python (httpx; wrk not installed)")
