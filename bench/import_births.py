"""Benchmark: bulk NDJSON import of births through the API, against a raw database load.

    .venv/bin/python -m bench.import_births --rows 200000 --database postgresql
    .venv/bin/python -m bench.import_births --rows 200000 --database sqlite --scale-check

Generates a births file with valid ID numbers, starts the API (uvicorn, one worker, a child
process on a free loopback port) on a fresh database, streams the file to
`POST /v1/births:import` and prints rows/s, the server's peak RSS and a second import of
the same file (nothing created). Then loads the same rows the raw way (json.loads + COPY on
PostgreSQL, json.loads + executemany on SQLite, no validation, history, feed or audit) into
another fresh database and prints the ratio. `--scale-check` also imports 10x the rows and
prints the memory ratio (flat memory: <= 1.2).
"""

import argparse
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import make_url

from api.access.policy import Department
from api.models import Birth
from bench._common import (
    PeakRss,
    client_token,
    fresh_database,
    mib,
    raw_birth_row,
    running_server,
    temp_workdir,
    write_births_file,
)

CHUNK = 256 * 1024


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def http_import(base: str, token: str, path: Path) -> tuple[dict[str, Any], float]:
    """POST the file streamed (chunked) and return the answer and the seconds it took."""
    started = time.perf_counter()
    response = httpx.post(
        f"{base}/v1/births:import",
        content=_chunks(path),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"},
        timeout=None,
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer, elapsed


def run_import(
    backend: str, workdir: Path, path: Path, rows: int, *, again: bool
) -> tuple[float, int]:
    """Import through the API on a fresh database; print figures; return seconds, peak RSS."""
    with (
        fresh_database(backend, workdir, f"_api{rows}") as url,
        running_server(url, workdir) as (base, process),
    ):
        token = client_token(url, base, Department.MATERNAL_HEALTH, "420000")
        with PeakRss(process.pid) as idle:
            time.sleep(0.5)
        with PeakRss(process.pid) as memory:
            answer, seconds = http_import(base, token, path)
        elapsed = seconds
        print(
            f"  import via API       {answer['created']:>9,} created, {answer['rejected']} rejected"
            f" in {elapsed:6.1f} s = {rows / elapsed:8,.0f} rows/s"
        )
        print(
            f"  server RSS           idle {mib(idle.peak)}, peak during import {mib(memory.peak)}"
        )
        if again:
            answer, elapsed = http_import(base, token, path)
            print(
                f"  same file again      {answer['created']:>9,} created, "
                f"{answer['unchanged']:,} unchanged in {elapsed:6.1f} s = "
                f"{rows / elapsed:8,.0f} rows/s"
            )
        return seconds, memory.peak


def _raw_rows(path: Path) -> Iterator[dict[str, Any]]:
    now = datetime.now(UTC)
    for line in path.open("rb"):
        yield raw_birth_row(json.loads(line), now)


def raw_load(backend: str, url: str, path: Path) -> float:
    """Load the file's rows straight into the birth table; return the seconds it took."""
    columns = [c.name for c in Birth.__table__.columns]  # type: ignore[attr-defined]
    started = time.perf_counter()
    if backend == "postgresql":
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
            quoted = ", ".join(columns)
            with cursor.copy(f"COPY birth ({quoted}) FROM STDIN") as copy:
                for row in _raw_rows(path):
                    copy.write_row([row[c] for c in columns])
    else:
        database = make_url(url).database
        assert database is not None
        lite = sqlite3.connect(database)
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO birth ({', '.join(columns)}) VALUES ({marks})"
        batch: list[list[Any]] = []
        for row in _raw_rows(path):
            for name in ("created_at", "updated_at", "birth_datetime"):
                row[name] = row[name].replace(tzinfo=None).isoformat(" ")
            batch.append([row[c] for c in columns])
            if len(batch) == 2000:
                lite.executemany(statement, batch)
                batch.clear()
        lite.executemany(statement, batch)
        lite.commit()
        lite.close()
    return time.perf_counter() - started


def main() -> None:
    """Run the import benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--scale-check", action="store_true", help="also import 10x the rows")
    args = parser.parse_args()
    rows, backend = args.rows, args.database
    with temp_workdir() as tmp:
        workdir = Path(tmp)
        path = workdir / "births.ndjson"
        size = write_births_file(path, rows)
        print(f"births import on {backend}: {rows:,} rows, {mib(size)} NDJSON")
        seconds, peak = run_import(backend, workdir, path, rows, again=True)
        with fresh_database(backend, workdir, "_raw") as url:
            raw = raw_load(backend, url, path)
        way = "COPY" if backend == "postgresql" else "executemany"
        print(
            f"  raw fast path        json.loads + {way}: {raw:6.1f} s = {rows / raw:8,.0f} rows/s"
        )
        print(f"  import / raw         {raw / seconds:.0%} (target >= 50%)")
        if args.scale_check:
            path.unlink()
            big = workdir / "births-10x.ndjson"
            size = write_births_file(big, rows * 10)
            print(f"scale check: {rows * 10:,} rows, {mib(size)} NDJSON")
            _, big_peak = run_import(backend, workdir, big, rows * 10, again=False)
            print(
                f"  peak RSS             {mib(peak)} at {rows:,} rows, {mib(big_peak)} at "
                f"{rows * 10:,}: ratio {big_peak / peak:.2f} (target <= 1.2)"
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
