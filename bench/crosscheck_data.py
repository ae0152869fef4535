"""Cross-check benchmark data: a synthetic population generated once and cached as a
SQLite file in the engine's column layout (bench/out/, which git ignores), copied into
a throwaway PostgreSQL database when asked."""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from api.demo.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
AS_OF = date(2026, 3, 1)
REGION = "420200"
BENCH_DB = "vitalx_bench_crosscheck"

DDL = {
    "person": "id VARCHAR(36) PRIMARY KEY, id_number VARCHAR(18) UNIQUE, name VARCHAR(64), "
    "sex VARCHAR(8), birth_date DATE, household_region VARCHAR(12), "
    "household_no VARCHAR(32), marital_status VARCHAR(2), status VARCHAR(16), "
    "voided_at TIMESTAMP",
    "birth": "id VARCHAR(36) PRIMARY KEY, certificate_no VARCHAR(10) UNIQUE, "
    "replaces_certificate_no VARCHAR(10), child_name VARCHAR(64), "
    "child_sex VARCHAR(8), birth_datetime TIMESTAMP, birth_region VARCHAR(12), "
    "mother_id_number VARCHAR(18), mother_name VARCHAR(64), "
    "father_id_number VARCHAR(18), father_name VARCHAR(64), plurality INTEGER, "
    "birth_order INTEGER, status VARCHAR(16), facility_code VARCHAR(32), "
    "created_at TIMESTAMP, voided_at TIMESTAMP",
    "household_entry": "id VARCHAR(36) PRIMARY KEY, entry_type VARCHAR(16), "
    "person_id_number VARCHAR(18), person_name VARCHAR(64), "
    "person_sex VARCHAR(8), person_birth_date DATE, "
    "household_region VARCHAR(12), household_no VARCHAR(32), "
    "registered_on DATE, birth_certificate_no VARCHAR(10), "
    "mother_id_number VARCHAR(18), father_id_number VARCHAR(18), "
    "voided_at TIMESTAMP",
    "marriage": "id VARCHAR(36) PRIMARY KEY, record_type VARCHAR(16), "
    "certificate_no VARCHAR(32), registered_on DATE, registry_region VARCHAR(12), "
    "party_a_id_number VARCHAR(18), party_a_name VARCHAR(64), "
    "party_b_id_number VARCHAR(18), party_b_name VARCHAR(64), voided_at TIMESTAMP",
}
# The indexes the service's schema has on these columns.
INDEXES = [
    "CREATE INDEX ix_birth_region ON birth (birth_region)",
    "CREATE INDEX ix_birth_mother ON birth (mother_id_number, birth_datetime)",
    "CREATE INDEX ix_birth_repl ON birth (replaces_certificate_no)",
    "CREATE INDEX ix_he_region ON household_entry (entry_type, household_region)",
    "CREATE INDEX ix_he_cert ON household_entry (birth_certificate_no)",
    "CREATE INDEX ix_he_mother ON household_entry (mother_id_number)",
    "CREATE INDEX ix_person_region ON person (household_region)",
    "CREATE INDEX ix_marriage_a ON marriage (party_a_id_number)",
    "CREATE INDEX ix_marriage_b ON marriage (party_b_id_number)",
    "CREATE INDEX ix_marriage_region ON marriage (registry_region)",
]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # as SQLAlchemy stores instants on SQLite: naive UTC
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _version() -> str:
    """Return a short hash of the generator's source: a changed generator, a new dataset."""
    sources = sorted((ROOT / "api" / "demo" / "synthetic").glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources))
    return digest.hexdigest()[:8]


def dataset(n: int, hard: bool, seed: int) -> tuple[Path, Path]:
    """Return (sqlite file, truth pickle) for a population, generating it once."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / f"syn-{n}-{'hard' if hard else 'standard'}-s{seed}-{AS_OF:%Y%m%d}-{_version()}"
    db, truth = stem.with_suffix(".sqlite"), stem.with_suffix(".truth.pkl")
    if db.exists() and truth.exists():
        return db, truth
    t0 = time.perf_counter()
    data = generate(n, seed=seed, hard=hard, as_of=AS_OF)
    print(
        f"  generated {n:,} births ({'hard' if hard else 'standard'}) in "
        f"{time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    tmp = db.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    for table, ddl in DDL.items():
        con.execute(f"CREATE TABLE {table} ({ddl})")
        cols = list(data.tables[table])
        rows = zip(*([_sqlite_value(v) for v in data.tables[table][c]] for c in cols), strict=True)
        con.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
        )
    for stmt in INDEXES:
        con.execute(stmt)
    con.commit()
    con.close()
    truth.write_bytes(pickle.dumps((data.truth, data.truth_fields)))
    tmp.rename(db)
    return db, truth


def _pg(url: str) -> str:
    """Return a psycopg connection string for a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def copy_to_postgres(db: Path, url: str, prefix: str = "") -> None:
    """COPY the four tables of a SQLite population into `url` as `<prefix><table>`."""
    lite = sqlite3.connect(db)
    with psycopg.connect(_pg(url)) as pg:
        pg.execute("SET TIME ZONE 'UTC'")  # the SQLite text is naive UTC
        for table, ddl in DDL.items():
            target = prefix + table
            pg.execute(f"CREATE TABLE {target} ({ddl.replace('TIMESTAMP', 'TIMESTAMPTZ')})")
            cols = [c.split()[0] for c in ddl.split(", ") if c.split()[0].islower()]
            with (
                pg.cursor() as cur,
                cur.copy(f"COPY {target} ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                for row in lite.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                    copy.write_row(row)
        if not prefix:
            for stmt in INDEXES:
                pg.execute(stmt)
        pg.commit()
    lite.close()


def to_postgres(db: Path, url: str) -> str:
    """Copy a SQLite population into a fresh database `BENCH_DB`; return its URL."""
    with psycopg.connect(_pg(url), autocommit=True) as pg:
        pg.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        pg.execute(f"CREATE DATABASE {BENCH_DB}")
    target = make_url(url).set(database=BENCH_DB).render_as_string(hide_password=False)
    copy_to_postgres(db, target)
    with psycopg.connect(_pg(target), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    return target


def drop_postgres(url: str) -> None:
    """Drop the throwaway benchmark database."""
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(_pg(admin), autocommit=True) as pg:
        pg.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
