"""Benchmark: authenticated, audited single-record reads against a raw read of the same row.

    .venv/bin/python -m bench.reads                       # SQLite, then PostgreSQL
    .venv/bin/python -m bench.reads --database sqlite --duration 5

For each database: seeds 5,000 births into a fresh database, then starts two servers with
the same uvicorn settings (`--workers 2`, loopback, free ports):
  - vitalx itself: `GET /v1/births/{id}` with a real bearer token (ES256 token, revocation,
    jurisdiction, minimisation, and an audit event durable before the answer leaves);
  - a minimal FastAPI app defined here: `GET /raw/births/{id}` runs
    `SELECT * FROM birth WHERE id = :id`, with no auth and no audit.
Both are driven by wrk (bench/wrk.lua picks a random id per request) through the phases of
`bench.load.compare`, each phase on one server then the other; every figure of vitalx is
printed beside the raw server's, with their ratio.
"""

import argparse
import asyncio
import json
import os
import random
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, HTTPException
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
    raw_birth_row,
    running_server,
    temp_workdir,
)
from bench.load import Profile, Server, compare
from bench.report import print_comparison

SEED_BIRTHS = 5_000


def create_raw_app() -> FastAPI:
    """The anchor: one raw SQL statement per request, no auth, no audit, no middleware."""
    url = os.environ["VITALX_DATABASE_URL"]
    engine = create_engine(url) if url.startswith("sqlite") else create_engine(url, pool_size=10)
    app = FastAPI()
    read = text("SELECT * FROM birth WHERE id = :id")
    columns = [c.name for c in Birth.__table__.columns]  # type: ignore[attr-defined]
    insert = text(f"INSERT INTO birth ({', '.join(columns)}) VALUES (:{', :'.join(columns)})")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/raw/births/{record_id}")
    def read_birth(record_id: str) -> dict[str, Any]:
        with engine.connect() as connection:
            row = connection.execute(read, {"id": record_id}).mappings().first()
        if row is None:
            raise HTTPException(404)
        return dict(row)

    @app.post("/raw/births", status_code=201)
    def create_birth(body: dict[str, Any] = Body()) -> dict[str, Any]:
        row = raw_birth_row(body, datetime.now(UTC))
        with engine.begin() as connection:
            connection.execute(insert, row)
        return {"id": row["id"]}

    return app


def seed_births(url: str, count: int = SEED_BIRTHS) -> list[str]:
    """Store `count` births through the bulk import service; return their ids."""
    rng = random.Random(11)
    counties = hubei_counties()
    now = datetime.now(UTC)
    lines = [
        json.dumps(birth_line(rng, n, counties, now), ensure_ascii=False).encode() + b"\n"
        for n in range(1, count + 1)
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

    access = Access(principal, principal.purposes[0])
    summary = asyncio.run(import_ndjson(chunks(), engine=engine, kind=kind, access=access))
    assert summary.created == count, summary.as_dict()
    with engine.connect() as connection:
        ids = list(connection.execute(select(Birth.__table__.c.id)).scalars())  # type: ignore[attr-defined]
    engine.dispose()
    return ids


def run(backend: str, seconds: float) -> tuple[Profile, Profile]:
    """Both servers on one freshly seeded database, measured in turn; print their figures."""
    with temp_workdir() as tmp, ExitStack() as servers:
        workdir = Path(tmp)
        url = servers.enter_context(fresh_database(backend, workdir))
        ids_file = workdir / "ids.txt"
        ids_file.write_text("\n".join(seed_births(url)) + "\n", encoding="utf-8")
        print(
            f"\nreads on {backend}: {SEED_BIRTHS:,} births, uvicorn --workers 2, "
            f"{seconds:g} s per run"
        )
        base, _ = servers.enter_context(running_server(url, workdir, workers=2))
        token = client_token(url, base, Department.MATERNAL_HEALTH, "420000")
        raw_app = "bench.reads:create_raw_app"
        raw_base, _ = servers.enter_context(running_server(url, workdir, app=raw_app, workers=2))
        audited, raw = compare(
            "get",
            [
                Server(f"{base}/v1/births", lambda _: ids_file, token),
                Server(f"{raw_base}/raw/births", lambda _: ids_file),
            ],
            seconds=seconds,
        )
    print_comparison("vitalx GET /v1/births/{id}", audited, "raw GET + one SELECT", raw)
    return audited, raw


def main() -> None:
    """Run the read benchmark on the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measured run")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for backend in backends:
        run(backend, args.duration)


if __name__ == "__main__":
    main()
