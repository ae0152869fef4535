"""The engine's input format: one Arrow table per source table, columns named as in SQL.

Each input may be a `pyarrow.Table` (what `loader.load` produces, the fast path) or any
iterable of row dicts keyed by the column names (what `SyntheticData.rows()` gives; handy
in tests). Columns the engine does not use are ignored; optional columns may be missing.
Instants (`birth_datetime`, `created_at`, `voided_at`) are timestamps; naive values mean
UTC, as SQLite stores them. Dates are `date32` (Python `date`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import pyarrow as pa

Rows: TypeAlias = pa.Table | Iterable[Mapping[str, Any]]

_TS = pa.timestamp("us", tz="UTC")

BIRTH_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("certificate_no", pa.string()),
        ("replaces_certificate_no", pa.string()),
        ("child_name", pa.string()),
        ("child_sex", pa.string()),
        ("birth_datetime", _TS),
        ("birth_region", pa.string()),
        ("mother_id_number", pa.string()),
        ("mother_name", pa.string()),
        ("father_id_number", pa.string()),
        ("plurality", pa.int32()),
        ("birth_order", pa.int32()),
        ("status", pa.string()),
        ("created_at", _TS),
        ("voided_at", _TS),
    ]
)

ENTRY_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("entry_type", pa.string()),
        ("person_id_number", pa.string()),
        ("person_name", pa.string()),
        ("person_sex", pa.string()),
        ("person_birth_date", pa.date32()),
        ("household_region", pa.string()),
        ("registered_on", pa.date32()),
        ("birth_certificate_no", pa.string()),
        ("mother_id_number", pa.string()),
        ("father_id_number", pa.string()),
        ("voided_at", _TS),
    ]
)

PERSON_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("household_region", pa.string()),
        ("marital_status", pa.string()),
        ("status", pa.string()),
        ("voided_at", _TS),
    ]
)

MARRIAGE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("record_type", pa.string()),
        ("registered_on", pa.date32()),
        ("registry_region", pa.string()),
        ("party_a_id_number", pa.string()),
        ("party_b_id_number", pa.string()),
        ("voided_at", _TS),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "birth": BIRTH_SCHEMA,
    "household_entry": ENTRY_SCHEMA,
    "person": PERSON_SCHEMA,
    "marriage": MARRIAGE_SCHEMA,
}

# Columns that must be present: everything else defaults to null.
REQUIRED: dict[str, tuple[str, ...]] = {
    "birth": (
        "id",
        "certificate_no",
        "child_sex",
        "birth_datetime",
        "birth_region",
        "mother_id_number",
    ),
    "household_entry": ("id", "entry_type", "person_birth_date", "household_region"),
    "person": ("id", "id_number"),
    "marriage": ("id", "record_type", "party_a_id_number", "party_b_id_number"),
}


def _as_instant(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return an instant column as int64 microseconds since the epoch (UTC)."""
    if pa.types.is_timestamp(column.type):
        # A naive timestamp is UTC wall time (SQLite); an aware one is stored as UTC anyway.
        return column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64())
    if pa.types.is_integer(column.type):
        return column.cast(pa.int64())
    return column.cast(_TS).cast(pa.int64())


def to_engine_table(table: str, rows: Rows) -> pa.Table:
    """Return `rows` as an Arrow table with the engine's columns and types.

    Instants become int64 microseconds (UTC) and dates int32 days since 1970-01-01, so
    that DuckDB does plain integer arithmetic instead of time-zone conversions.
    """
    schema = SCHEMAS[table]
    if not isinstance(rows, pa.Table):
        rows = pa.Table.from_pylist(list(rows), schema=schema)
    missing = [c for c in REQUIRED[table] if c not in rows.column_names]
    if missing:
        raise ValueError(f"{table}: missing columns {missing}")
    columns: list[pa.ChunkedArray] = []
    names: list[str] = []
    for fld in schema:
        if fld.name in rows.column_names:
            col = rows.column(fld.name)
        else:
            col = pa.chunked_array([pa.nulls(rows.num_rows, fld.type)])
        if fld.type == _TS:
            col = _as_instant(col)
        elif fld.type == pa.date32():
            col = (col if col.type == pa.date32() else col.cast(pa.date32())).cast(pa.int32())
        elif col.type != fld.type:
            col = col.cast(fld.type)
        columns.append(col)
        names.append(fld.name)
    return pa.Table.from_arrays(columns, names=names)
