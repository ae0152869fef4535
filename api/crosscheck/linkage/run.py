"""One engine run: a fresh in-process DuckDB holding the four inputs, and its helpers.

Every step of the engine (births.py, pairs.py, report.py, persons.py) works on the temp
tables of one `Run`. Rows are identified by their position in the input (int32 `_i`), not
by their 36-character UUID, which makes every join and window cheaper; `uuids()` turns
positions back into ids for the findings.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from api.crosscheck.linkage.inputs import Rows, to_engine_table
from api.crosscheck.linkage.names import fold_pattern, normalize_name
from api.crosscheck.linkage.pinyin import pinyin_key
from api.validation.id_number import EARLIEST_BIRTH_DATE, check_character_sql

EPOCH = date(1970, 1, 1)


# A valid GB 11643 number: its check character (ISO 7064 MOD 11-2) and a birth date that
# exists, no earlier than EARLIEST_BIRTH_DATE and not after the run's day. Two valid
# numbers one edit apart may be two women; a typo that made the date impossible may not.
def _id_valid_macro(as_of: date) -> str:
    return f"""
CREATE OR REPLACE TEMP MACRO id_valid(x) AS (length(x) = 18
    AND regexp_full_match(x, '[0-9]{{17}}[0-9X]')
    AND x[18] = {check_character_sql("x")}
    AND coalesce(CAST(try_strptime(substr(x, 7, 8), '%Y%m%d') AS DATE)
        BETWEEN DATE '{EARLIEST_BIRTH_DATE.isoformat()}' AND DATE '{as_of.isoformat()}', false));
"""


# Identifiers stay cheap on the common case: translate() (full-width forms from old
# imports) only runs on strings with non-ASCII bytes.
_FULL_WIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺｘ　"
_HALF_WIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZx "
_MACROS = rf"""
CREATE OR REPLACE TEMP MACRO half_width(x) AS
    CASE WHEN strlen(x) = length(x) THEN x ELSE translate(x, '{_FULL_WIDTH}', '{_HALF_WIDTH}') END;
CREATE OR REPLACE TEMP MACRO norm_id(x) AS nullif(upper(trim(half_width(x))), '');
CREATE OR REPLACE TEMP MACRO norm_cert(x) AS nullif(upper(trim(half_width(x))), '');
CREATE OR REPLACE TEMP MACRO one_edit(a, b) AS
    (a <> b AND length(a) = length(b) AND damerau_levenshtein(a, b) = 1);
CREATE OR REPLACE TEMP MACRO id_close(a, b) AS
    (a <> b AND length(a) = length(b) AND damerau_levenshtein(left(a, 17), left(b, 17)) <= 1);
"""


def day_number(value: date) -> int:
    """Return days since 1970-01-01 (the engine's integer date)."""
    return (value - EPOCH).days


def iso_date(day: int | None) -> str | None:
    """Return the ISO date of an engine day number (None stays None)."""
    return None if day is None else (EPOCH + timedelta(days=day)).isoformat()


class Run:
    """One engine run over one DuckDB connection (tables are temp tables of `con`)."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, as_of: date, ids: dict[str, pa.ChunkedArray]
    ) -> None:
        self.con = con
        self.as_of_day = day_number(as_of)
        self._ids = ids

    def uuids(self, kind: str, positions: list[int]) -> list[str]:
        """Return the `id` values of rows of input `kind` at the given positions."""
        if not positions:
            return []
        return self._ids[kind].take(pa.array(positions, pa.int32())).to_pylist()

    def column_values(self, table: str, column: str, positions: list[int]) -> dict[int, Any]:
        """Return {position: value} of one input column at the given row positions."""
        if not positions:
            return {}
        self.register("_pos", {"i": pa.array(sorted(set(positions)), pa.int32())})
        rows = self.con.execute(
            f"SELECT _i, {column} FROM {table} WHERE _i IN (SELECT i FROM _pos)"
        ).fetchall()
        return dict(rows)

    def register(self, name: str, columns: dict[str, pa.Array]) -> None:
        """Register a small Python-built table under `name`."""
        self.con.register(name, pa.table(columns))

    def _new_names(self, names_sql: str, table: str, where: str = "true") -> list[str]:
        """Return the distinct names of `names_sql` matching `where` not yet in `table`."""
        rows = self.con.execute(
            f"SELECT DISTINCT n FROM ({names_sql}) t(n) WHERE n IS NOT NULL AND {where} "
            f"AND n NOT IN (SELECT nname FROM {table})"
        ).fetchall()
        return [r[0] for r in rows]

    def fold(self, names_sql: str) -> None:
        """Add to `nf(nname, pnorm)` the comparable form of the names the fold changes.

        Only those go through Python (`names.fold_pattern` flags them in SQL); any other
        name is its own comparable form: see `folded`.
        """
        pattern = fold_pattern().replace("'", "''")
        names = self._new_names(names_sql, "nf", f"regexp_matches(n, '{pattern}')")
        if names:
            folded = [normalize_name(n) for n in names]
            self.register(
                "_nf_new",
                {"nname": pa.array(names, pa.string()), "pnorm": pa.array(folded, pa.string())},
            )
            self.con.execute("INSERT INTO nf SELECT * FROM _nf_new")
            self.con.unregister("_nf_new")

    @staticmethod
    def folded(name_sql: str, alias: str) -> tuple[str, str]:
        """Return (the comparable form of `name_sql`, the join on `nf` it needs)."""
        return (
            f"CASE WHEN {alias}.nname IS NULL THEN {name_sql} ELSE {alias}.pnorm END",
            f"LEFT JOIN nf AS {alias} ON {alias}.nname = {name_sql}",
        )

    def ensure_pinyin(self, names_sql: str) -> None:
        """Add to `pk(nname, key)` the pinyin keys of the names `names_sql` yields."""
        names = self._new_names(names_sql, "pk")
        if names:
            keys = [pinyin_key(n) for n in names]
            self.register(
                "_pk_new",
                {"nname": pa.array(names, pa.string()), "key": pa.array(keys, pa.string())},
            )
            self.con.execute("INSERT INTO pk SELECT * FROM _pk_new")
            self.con.unregister("_pk_new")


_POSITIONS: list[pa.Array] = []


def _positions(n: int) -> pa.Array:
    """Return int32 0..n-1 (cached: building it from a Python range is not free)."""
    if not _POSITIONS or len(_POSITIONS[0]) < n:
        _POSITIONS[:] = [pa.array(range(max(n, 1024)), pa.int32())]
    return _POSITIONS[0].slice(0, n)


def open_run(
    births: Rows,
    entries: Rows,
    persons: Rows,
    marriages: Rows,
    *,
    as_of: date,
    threads: int | None = None,
) -> Run:
    """Return a Run over a fresh DuckDB holding the four inputs (the caller closes `run.con`)."""
    config: dict[str, Any] = {"threads": threads} if threads else {}
    con = duckdb.connect(":memory:", config=config)
    ids: dict[str, pa.ChunkedArray] = {}
    for kind, name, table, rows in (
        ("b", "births_in", "birth", births),
        ("e", "entries_in", "household_entry", entries),
        ("p", "persons_in", "person", persons),
        ("m", "marriages_in", "marriage", marriages),
    ):
        tbl = to_engine_table(table, rows)
        tbl = tbl.append_column("_i", _positions(tbl.num_rows))
        ids[kind] = tbl.column("id")
        con.register(name, tbl)
    con.execute(_MACROS + _id_valid_macro(as_of))
    con.execute("CREATE TEMP TABLE pk (nname VARCHAR, key VARCHAR)")
    con.execute("CREATE TEMP TABLE nf (nname VARCHAR, pnorm VARCHAR)")
    return Run(con, as_of, ids)
