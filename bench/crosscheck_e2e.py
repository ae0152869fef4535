"""End to end: what a county gets, from the service's own database to a stored worklist.

The population is loaded into a freshly migrated service database (the service's real
schema and indexes, SQLite or PostgreSQL), then one cross-check run goes through the
public path the command line and the worker use (`api.crosscheck.worker.run_now`):
queue, fingerprint, load, link, reconcile, with the worklist written (discrepancies with
their versions, feed and audit events). The time counted is that call alone; loading the
population is set-up.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Table, text

from api.config import Settings
from api.crosscheck.runs import operator_access
from api.crosscheck.worker import run_now
from api.db import build_engine
from api.models import Birth, HouseholdEntry, Marriage, Person
from bench._common import PeakRss
from bench.crosscheck_data import AS_OF, DDL, REGION, _pg, copy_to_postgres

# Source table → (service table, the department that asserts its records).
_TABLES: dict[str, tuple[Table, str]] = {
    "person": (Person.__table__, "public_security"),  # type: ignore[attr-defined]
    "birth": (Birth.__table__, "maternal_health"),  # type: ignore[attr-defined]
    "household_entry": (HouseholdEntry.__table__, "public_security"),  # type: ignore[attr-defined]
    "marriage": (Marriage.__table__, "civil_affairs"),  # type: ignore[attr-defined]
}


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _select(source: str, table: str) -> tuple[str, str]:
    """Return (column list, SELECT list) filling every service column from a source row."""
    service, department = _TABLES[table]
    have = {c.split()[0] for c in DDL[table].split(", ")}
    extra = {
        "source": _literal(department),
        "version": "1",
        "updated_at": "created_at" if "created_at" in have else "CURRENT_TIMESTAMP",
        "created_at": "CURRENT_TIMESTAMP",
        "sources": _literal(json.dumps([department])),
        "residence_region": "household_region",
        "jurisdiction_region": "household_region",
    }
    names, exprs = [], []
    for column in service.columns:
        if column.name in have:
            expr = column.name
        elif column.name in extra:
            expr = extra[column.name]
        elif column.default is not None and getattr(column.default, "is_scalar", False):
            expr = _literal(column.default.arg)  # type: ignore[attr-defined]
        else:
            continue
        names.append(column.name)
        exprs.append(expr)
    return ", ".join(names), f"SELECT {', '.join(exprs)} FROM {source}"


def load_service_database(db: Path, url: str) -> None:
    """Fill a migrated service database with the population of a benchmark SQLite file."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.split("///", 1)[1])
        con.execute("ATTACH DATABASE ? AS src", (str(db),))
        for table in _TABLES:
            names, select = _select(f"src.{table}", table)
            con.execute(f"INSERT INTO {table} ({names}) {select}")
        con.commit()
        con.execute("DETACH DATABASE src")
        con.execute("ANALYZE")
        con.close()
        return
    copy_to_postgres(db, url, prefix="src_")
    with psycopg.connect(_pg(url)) as pg:
        pg.execute("SET TIME ZONE 'UTC'")
        for table in _TABLES:
            names, select = _select(f"src_{table}", table)
            pg.execute(f"INSERT INTO {table} ({names}) {select}")
            pg.execute(f"DROP TABLE src_{table}")
        pg.commit()
    with psycopg.connect(_pg(url), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")


def _stored(engine: Any) -> list[tuple[str, frozenset[str], tuple[str, ...]]]:
    """Return the stored worklist as (type, subject ids, fields)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, subjects, fields FROM discrepancy")).all()
    out = []
    for type_, subjects, fields in rows:
        subjects = json.loads(subjects) if isinstance(subjects, str) else subjects
        fields = json.loads(fields) if isinstance(fields, str) else fields
        out.append((type_, frozenset(s["id"] for s in subjects), tuple(fields)))
    return out


def run_end_to_end(url: str) -> dict[str, Any]:
    """Run one cross-check through the public path; return time, memory, stored findings."""
    engine = build_engine(url)
    settings = Settings(database_url=url)
    phases: dict[str, float] = {}
    t0 = time.perf_counter()

    def progress(phase: str, percent: float) -> None:
        phases[phase] = round(time.perf_counter() - t0, 2)

    with PeakRss(os.getpid()) as rss:
        t0 = time.perf_counter()
        run = run_now(
            engine,
            access=operator_access("bench", REGION),
            settings=settings,
            region=REGION,
            as_of=AS_OF,
            progress=progress,
        )
        wall = time.perf_counter() - t0
    if run is None or run.status != "succeeded":
        raise RuntimeError(f"the run did not succeed: {run and run.status}")
    keys = _stored(engine)
    engine.dispose()
    return {"wall": wall, "peak_mb": rss.peak / 2**20, "timings": phases, "keys": keys}
