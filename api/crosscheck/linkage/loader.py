"""Read the four source tables for a region into the engine's Arrow input format.

Speed matters (a million births end to end in seconds), and building one Python object
per cell is the slow part of any fetch. So the database renders each row as one line of
tab-separated text and pyarrow's multi-threaded CSV reader parses the lot:
  - PostgreSQL: `COPY (SELECT ...) TO STDOUT` through psycopg's `cursor.copy`, the four
    tables at once on pooled connections sharing the caller's snapshot;
  - SQLite: a plain cursor over `SELECT printf('%s<TAB>%s...', a, b, ...)` (a str a row),
    split over one process per core for big files.
Both produce the same text (NULL as \\N or empty, instants as naive UTC
`YYYY-MM-DD HH:MM:SS[.ffffff]`, dates `YYYY-MM-DD`), parsed into `inputs.SCHEMAS` types.

Region: records in the region, plus their counterparts outside it, so that a child born
in one place and registered in another still links: births and entries of the whole city
(first four digits), entries elsewhere citing a city birth's certificate number or mother,
births elsewhere cited by city entries, and marriages of the region's persons. Pass the
same prefix to `link(region_prefix=...)` to keep only the region's findings. (Limit: a
registration in another city that cites both identifiers wrongly is not found.)
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

from api.access.jurisdiction import significant_digits
from api.crosscheck.linkage.findings import Finding
from api.crosscheck.linkage.inputs import SCHEMAS

# Below this many rows a SQLite file is read in-process (starting workers costs ~1 s).
PARALLEL_ROWS = 400_000
# Text is parsed a piece of about this size at a time, and dropped once parsed.
PIECE_BYTES = 64 << 20
_TS_COLUMNS = {"birth_datetime", "created_at"}

# Columns read from each table (the engine's schema less voided_at: voided rows are
# filtered in SQL instead of shipped).
COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(f.name for f in s if f.name != "voided_at") for t, s in SCHEMAS.items()
}


class LinkageInputs(NamedTuple):
    """The engine's four inputs, in `link()` argument order."""

    births: pa.Table
    entries: pa.Table
    persons: pa.Table
    marriages: pa.Table


def region_filters(prefix: str, counterparts: bool) -> dict[str, str]:
    """Return the WHERE clause of each table for a region prefix (digits only)."""
    if not prefix:
        return {t: "voided_at IS NULL" for t in SCHEMAS} | {
            "household_entry": "voided_at IS NULL AND entry_type = 'birth'"
        }
    # Births and entries are linked over the whole city (first 4 digits) even for a
    # district run: a child born in one district and registered in the next must link
    # even when the entry cites both the certificate and the mother's ID wrongly.
    city = prefix[:4] if counterparts else prefix
    like = f"LIKE '{city}%'"
    births = f"birth_region {like}"
    entries = f"household_region {like}"
    persons = f"household_region LIKE '{prefix}%'"
    marriages = f"registry_region LIKE '{prefix}%'"
    if counterparts:
        region_entries = (
            f"FROM household_entry WHERE entry_type = 'birth' AND voided_at IS NULL "
            f"AND household_region {like}"
        )
        region_births = f"FROM birth WHERE voided_at IS NULL AND birth_region {like}"
        region_persons = (
            f"FROM person WHERE voided_at IS NULL AND household_region LIKE '{prefix}%'"
        )
        births += (
            f" OR certificate_no IN (SELECT birth_certificate_no {region_entries})"
            f" OR mother_id_number IN (SELECT mother_id_number {region_entries})"
        )
        entries += (
            f" OR birth_certificate_no IN (SELECT certificate_no {region_births})"
            f" OR mother_id_number IN (SELECT mother_id_number {region_births})"
        )
        marriages += (
            f" OR party_a_id_number IN (SELECT id_number {region_persons})"
            f" OR party_b_id_number IN (SELECT id_number {region_persons})"
        )
    return {
        "birth": f"voided_at IS NULL AND ({births})",
        "household_entry": f"voided_at IS NULL AND entry_type = 'birth' AND ({entries})",
        "person": f"voided_at IS NULL AND ({persons})",
        "marriage": f"voided_at IS NULL AND ({marriages})",
    }


def _pg_expr(col: str) -> str:
    # AT TIME ZONE 'UTC' gives a plain timestamp, printed without an offset; dates and
    # timestamps print as ISO under PostgreSQL's default DateStyle (to_char is 2x slower).
    if col in _TS_COLUMNS:
        return f"({col} AT TIME ZONE 'UTC')"
    return col


def _parse(table: str, data: bytes) -> pa.Table:
    """Parse tab-separated lines into an Arrow table with the engine's column types."""
    names = list(COLUMNS[table])
    schema = SCHEMAS[table]
    types: dict[str, pa.DataType] = {}
    for name in names:
        typ = schema.field(name).type
        types[name] = pa.timestamp("us") if pa.types.is_timestamp(typ) else typ
    if not data.strip():
        return pa.table({n: pa.array([], types[n]) for n in names})
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False, escape_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            null_values=["\\N", ""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _copy_out(driver: Any, table: str, where: str) -> pa.Table:
    """COPY a table's rows out, parsed a piece of whole lines at a time (blocks are rows)."""
    select = ", ".join(_pg_expr(c) for c in COLUMNS[table])
    pieces: list[pa.Table] = []
    blocks: list[bytes] = []
    size = 0
    with (
        driver.cursor() as cur,
        cur.copy(f"COPY (SELECT {select} FROM {table} WHERE {where}) TO STDOUT") as copy,
    ):
        for block in copy:
            blocks.append(bytes(block))
            size += len(block)
            # Pieces of bounded size: never the whole text twice in memory at once.
            if size >= PIECE_BYTES:
                pieces.append(_parse(table, b"".join(blocks)))
                blocks, size = [], 0
    pieces.append(_parse(table, b"".join(blocks)))
    return pa.concat_tables(pieces)


def _read_postgres_all(connection: Connection, where: dict[str, str]) -> dict[str, pa.Table]:
    """COPY the four tables out concurrently, all from the caller's snapshot.

    The caller's transaction exports its snapshot; three pooled connections import it
    (REPEATABLE READ), so the tables are read as of one instant, in parallel backends.
    """
    from psycopg import IsolationLevel, sql

    driver: Any = connection.connection.driver_connection
    snapshot = driver.execute("SELECT pg_export_snapshot()").fetchone()[0]

    def other(table: str) -> pa.Table:
        raw = connection.engine.raw_connection()
        try:
            drv: Any = raw.driver_connection
            drv.rollback()
            drv.isolation_level = IsolationLevel.REPEATABLE_READ
            try:
                drv.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                return _copy_out(drv, table, where[table])
            finally:
                drv.rollback()
                drv.isolation_level = None
        finally:
            raw.close()

    big_first = ["person", "birth", "household_entry", "marriage"]
    with ThreadPoolExecutor(len(big_first) - 1) as pool:
        futures = {t: pool.submit(other, t) for t in big_first[1:]}
        out = {big_first[0]: _copy_out(driver, big_first[0], where[big_first[0]])}
        out.update({t: f.result() for t, f in futures.items()})
    return out


def _sqlite_select(table: str, where: str) -> str:
    # printf renders NULL as '' (read back as null: no column here holds empty strings)
    # and is cheaper than a chain of || with ifnull().
    cols = COLUMNS[table]
    fmt = "\t".join(["%s"] * len(cols))
    return f"SELECT printf('{fmt}', {', '.join(cols)}) FROM {table} WHERE ({where})"


def _fetch_lines(cur: Any, sql: str, params: tuple[Any, ...] = ()) -> bytes:
    cur.execute(sql, params)
    chunks: list[bytes] = []
    while rows := cur.fetchmany(100_000):
        chunks.append(("\n".join(r[0] for r in rows) + "\n").encode())
    return b"".join(chunks)


# A worker is a bare interpreter that needs only sqlite3: it starts in ~30 ms and, unlike
# multiprocessing, never re-imports the caller's __main__ (CLI scripts, servers).
_WORKER = """
import sqlite3, sys
path, sql, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = sqlite3.connect(path)
con.execute("PRAGMA query_only = 1")
cur = con.execute(sql + " AND rowid > ? AND rowid <= ?", (lo, hi))
out = sys.stdout.buffer
while rows := cur.fetchmany(100000):
    out.write(("\\n".join(r[0] for r in rows) + "\\n").encode())
"""


def _sqlite_part(path: str, sql: str, lo: int, hi: int) -> bytes:
    """Read one rowid range of a query in a worker process (its own connection)."""
    done = subprocess.run(
        [sys.executable, "-c", _WORKER, path, sql, str(lo), str(hi)],
        capture_output=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"sqlite reader failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def _parsed_part(table: str, path: str, sql: str, lo: int, hi: int) -> pa.Table:
    # Parsed in the pool's thread (pyarrow lets go of the GIL) while other parts are read,
    # so that only one part's text at a time is held per thread.
    return _parse(table, _sqlite_part(path, sql, lo, hi))


def _read_sqlite_all(driver: Any, where: dict[str, str]) -> dict[str, pa.Table]:
    """Read every table; big files are read by several processes over rowid ranges.

    Python's sqlite3 spends ~250 ns per value building rows and holds the GIL doing it,
    so threads do not help but processes do (one per core). They read the committed
    state of the file, as the service's own connection does outside a write transaction.
    """
    cur = driver.cursor()
    try:
        path = cur.execute("PRAGMA database_list").fetchone()[2]
        spans = {
            t: cur.execute(f"SELECT min(rowid), max(rowid) FROM {t}").fetchone() for t in SCHEMAS
        }
        workers = min(4, os.cpu_count() or 1)
        total = sum((hi or 0) - (lo or 0) for lo, hi in spans.values())
        if not path or workers < 2 or total < PARALLEL_ROWS:
            return {t: _parse(t, _fetch_lines(cur, _sqlite_select(t, where[t]))) for t in SCHEMAS}
    finally:
        cur.close()
    tasks: list[tuple[str, Future[pa.Table]]] = []
    # Threads only wait on the workers' pipes (the GIL is released while they do).
    with ThreadPoolExecutor(workers) as pool:
        for t in sorted(SCHEMAS, key=lambda t: -((spans[t][1] or 0) - (spans[t][0] or 0))):
            lo, hi = spans[t]
            if lo is None:
                continue
            step = max((hi - lo + 1) // workers + 1, 1)
            for start in range(lo - 1, hi, step):
                sql = _sqlite_select(t, where[t])
                tasks.append((t, pool.submit(_parsed_part, t, path, sql, start, start + step)))
        out: dict[str, list[pa.Table]] = {t: [] for t in SCHEMAS}
        for t, fut in tasks:
            out[t].append(fut.result())
    return {t: pa.concat_tables(parts) if parts else _parse(t, b"") for t, parts in out.items()}


def load(
    connection: Connection, region_prefix: str = "000000", *, counterparts: bool = True
) -> LinkageInputs:
    """Read births, household entries, persons and marriages of a region for `link()`."""
    prefix = significant_digits(region_prefix)
    if not re.fullmatch(r"\d{0,12}", prefix):
        raise ValueError(f"region prefix must be digits: {region_prefix!r}")
    driver = connection.connection.driver_connection
    dialect = connection.dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - the service runs on these
        raise ValueError(f"unsupported database: {dialect}")
    where = region_filters(prefix, counterparts)
    if dialect == "sqlite":
        tables = _read_sqlite_all(driver, where)
    else:
        tables = _read_postgres_all(connection, where)
    return LinkageInputs(
        tables["birth"], tables["household_entry"], tables["person"], tables["marriage"]
    )


def crosscheck(
    connection: Connection,
    *,
    as_of: date,
    region_prefix: str = "000000",
    threads: int | None = None,
) -> list[Finding]:
    """Load a region's records and return its findings (loader + engine in one call)."""
    from api.crosscheck.linkage.engine import link

    inputs = load(connection, region_prefix)
    prefix = significant_digits(region_prefix)
    return link(*inputs, as_of=as_of, region_prefix=prefix or None, threads=threads)
