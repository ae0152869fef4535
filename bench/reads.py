"""Benchmark: authenticated, audited single-record reads against a raw read of the same row.

    .venv/bin/python -m bench.reads                       # PostgreSQL, then SQLite
    .venv/bin/python -m bench.reads --database sqlite --duration 10

For each database: seeds 10,000 births into a fresh database, then runs two servers in
turn with the same uvicorn settings (`--workers 2`, loopback, a free port):
  - vitalx itself: `GET /v1/births/{id}` with a real bearer token (ES256 verification,
    revocation check, jurisdiction, minimisation, and an audit event committed per read);
  - a minimal FastAPI app defined here: `GET /raw/births/{id}` runs one SQL query, with no
    auth and no audit.
Each is first saturated by a bounded number of concurrent httpx clients (closed loop) for
`--duration` seconds; then driven open-loop at 80% of its own saturation rate, measuring
p50/p99 latency from each request's scheduled start (no coordinated omission).
"""

import argparse
import asyncio
import json
import os
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException
from sqlalchemy import create_engine, select, text

from api.access.policy import DEPARTMENT_PURPOSES, Department, Scope
from api.access.principal import Access, Principal
from api.bulk.importer import import_ndjson, kind_for
from api.db import build_engine
from api.models import Birth
from bench._common import (
    birth_line,
    client_token,
    fresh_database,
    hubei_counties,
    running_server,
    temp_workdir,
)

SEED_BIRTHS = 10_000


def create_raw_app() -> FastAPI:
    """The baseline: one raw SQL query per request, no auth, no audit, no middleware."""
    url = os.environ["VITALX_DATABASE_URL"]
    engine = create_engine(url) if url.startswith("sqlite") else create_engine(url, pool_size=10)
    app = FastAPI()
    query = text("SELECT * FROM birth WHERE id = :id")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/raw/births/{record_id}")
    def read_birth(record_id: str) -> dict[str, Any]:
        with engine.connect() as connection:
            row = connection.execute(query, {"id": record_id}).mappings().first()
        if row is None:
            raise HTTPException(404)
        return dict(row)

    return app


def seed_births(url: str) -> list[str]:
    """Store 10,000 births through the bulk import service; return their ids."""
    rng = random.Random(11)
    counties = hubei_counties()
    now = datetime.now(UTC)
    lines = [
        json.dumps(birth_line(rng, n, counties, now), ensure_ascii=False).encode() + b"\n"
        for n in range(1, SEED_BIRTHS + 1)
    ]
    principal = Principal(
        subject="bench-seed",
        actor_type="client",
        department=Department.MATERNAL_HEALTH,
        region="420000",
        scopes=frozenset({Scope.BIRTHS_WRITE}),
        purposes=DEPARTMENT_PURPOSES[Department.MATERNAL_HEALTH],
        jti="bench",
    )
    kind = kind_for("births")
    assert kind is not None
    engine = build_engine(url)

    async def chunks() -> Any:
        for line in lines:
            yield line

    summary = asyncio.run(
        import_ndjson(
            chunks(), engine=engine, kind=kind, access=Access(principal, principal.purposes[0])
        )
    )
    assert summary.created == SEED_BIRTHS, summary.as_dict()
    with engine.connect() as connection:
        ids = list(connection.execute(select(Birth.__table__.c.id)).scalars())  # type: ignore[attr-defined]
    engine.dispose()
    return ids


@dataclass
class Result:
    """What one load run measured."""

    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def _connections(base: str, headers: dict[str, str], count: int) -> list[httpx.AsyncClient]:
    # One single-connection client per concurrent request: httpx's shared pool spends more
    # CPU the more connections it holds (at 16 it halves the client's request rate).
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return [httpx.AsyncClient(base_url=base, headers=headers, limits=limits) for _ in range(count)]


async def closed_loop(
    base: str, path: str, ids: list[str], headers: dict[str, str], clients: int, duration: float
) -> Result:
    """`clients` concurrent clients, each sending its next request when the last returns."""
    done, errors, latencies = 0, 0, []
    deadline = time.perf_counter() + duration
    connections = _connections(base, headers, clients)

    async def worker(http: httpx.AsyncClient, seed: int) -> None:
        nonlocal done, errors
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await http.get(path.format(rng.choice(ids)))
            latencies.append(time.perf_counter() - started)
            done += 1
            errors += response.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker(http, i) for i, http in enumerate(connections)))
    elapsed = time.perf_counter() - started
    for http in connections:
        await http.aclose()
    return Result(done, errors, elapsed, latencies)


async def open_loop(
    base: str,
    path: str,
    ids: list[str],
    headers: dict[str, str],
    clients: int,
    rate: float,
    duration: float,
) -> Result:
    """Requests started on a fixed schedule at `rate`/s, whatever the answers' delays.

    They share `clients` connections, as many as the saturation run used; a request that
    finds them all busy waits, and that wait counts in its latency, which runs from its
    scheduled start.
    """
    rng = random.Random(5)
    latencies: list[float] = []
    errors = 0
    connections = _connections(base, headers, clients)
    idle: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    for http in connections:
        idle.put_nowait(http)

    async def one(scheduled: float, record_id: str) -> None:
        nonlocal errors
        http = await idle.get()
        try:
            response = await http.get(path.format(record_id))
            errors += response.status_code != 200
        except httpx.HTTPError:
            errors += 1
        finally:
            latencies.append(time.perf_counter() - scheduled)
            idle.put_nowait(http)

    start = time.perf_counter()
    tasks = []
    for n in range(int(rate * duration)):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, rng.choice(ids))))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for http in connections:
        await http.aclose()
    return Result(len(latencies), errors, elapsed, latencies)


def measure(
    label: str, base: str, path: str, ids: list[str], headers: dict[str, str], args: Any
) -> tuple[Result, Result]:
    """Saturate, then drive at 80% of saturation; print both."""
    asyncio.run(closed_loop(base, path, ids, headers, args.clients, 2.0))  # warm up
    cpu = time.process_time()
    saturated = asyncio.run(closed_loop(base, path, ids, headers, args.clients, args.duration))
    # Near 100% means the load generator, not the server, was the limit.
    client_cpu = (time.process_time() - cpu) / saturated.seconds
    paced = asyncio.run(
        open_loop(base, path, ids, headers, args.clients, 0.8 * saturated.rate, args.duration)
    )
    print(
        f"  {label:<22} saturation {saturated.rate:7,.0f} req/s ({saturated.errors} errors,"
        f" client CPU {client_cpu:.0%})  |"
        f"  at {paced.rate:5,.0f} req/s: p50 {paced.percentile(50):6.1f} ms,"
        f" p99 {paced.percentile(99):6.1f} ms ({paced.errors} errors)"
    )
    return saturated, paced


def run(backend: str, args: Any) -> None:
    """Both servers on one database."""
    with temp_workdir() as tmp:
        workdir = Path(tmp)
        with fresh_database(backend, workdir) as url:
            ids = seed_births(url)
            print(
                f"reads on {backend}: {len(ids):,} births, {args.clients} clients, "
                f"uvicorn --workers 2, {args.duration:.0f} s per run"
            )
            with running_server(url, workdir, workers=2) as (base, _):
                token = client_token(url, base, Department.MATERNAL_HEALTH, "420000")
                bearer = {"Authorization": f"Bearer {token}"}
                audited, paced = measure(
                    "vitalx (auth + audit)", base, "/v1/births/{}", ids, bearer, args
                )
            raw_app = "bench.reads:create_raw_app"
            with running_server(url, workdir, app=raw_app, workers=2) as (base, _):
                raw, _ = measure("raw FastAPI + SQL", base, "/raw/births/{}", ids, {}, args)
        print(
            f"  audited / raw          {audited.rate / raw.rate:.0%} (target >= 50%);"
            f" audited p99 {paced.percentile(99):.1f} ms (target <= 50 ms)"
        )


def main() -> None:
    """Run the read benchmark on the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per load run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    args = parser.parse_args()
    backends = ("postgresql", "sqlite") if args.database == "both" else (args.database,)
    for backend in backends:
        run(backend, args)


if __name__ == "__main__":
    main()
