"""The loader reads the four tables from SQL into the engine's input (SQLite here)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from api.crosscheck.linkage import link, load
from api.crosscheck.linkage.loader import crosscheck
from api.demo.synthetic import generate

AS_OF = date(2026, 3, 1)

SCHEMA = """
CREATE TABLE person (id TEXT PRIMARY KEY, id_number TEXT UNIQUE, name TEXT, sex TEXT,
    birth_date DATE, household_region TEXT, household_no TEXT, marital_status TEXT,
    status TEXT, voided_at DATETIME);
CREATE TABLE birth (id TEXT PRIMARY KEY, certificate_no TEXT UNIQUE,
    replaces_certificate_no TEXT, child_name TEXT, child_sex TEXT, birth_datetime DATETIME,
    birth_region TEXT, mother_id_number TEXT, mother_name TEXT, father_id_number TEXT,
    father_name TEXT, plurality INTEGER, birth_order INTEGER, status TEXT,
    facility_code TEXT, created_at DATETIME, voided_at DATETIME);
CREATE TABLE household_entry (id TEXT PRIMARY KEY, entry_type TEXT, person_id_number TEXT,
    person_name TEXT, person_sex TEXT, person_birth_date DATE, household_region TEXT,
    household_no TEXT, registered_on DATE, birth_certificate_no TEXT, mother_id_number TEXT,
    father_id_number TEXT, voided_at DATETIME);
CREATE TABLE marriage (id TEXT PRIMARY KEY, record_type TEXT, certificate_no TEXT,
    registered_on DATE, registry_region TEXT, party_a_id_number TEXT, party_a_name TEXT,
    party_b_id_number TEXT, party_b_name TEXT, voided_at DATETIME);
"""


def _sql_value(value: Any) -> Any:
    """Store values the way SQLAlchemy does on SQLite: naive UTC text, ISO dates."""
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.fixture()
def conn():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    data = generate(400, seed=3, hard=True, as_of=AS_OF)
    with engine.connect() as c:
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                c.execute(text(stmt))
        for table, rows in data.rows().items():
            cols = list(rows[0])
            c.execute(
                text(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join(':' + x for x in cols)})"
                ),
                [{k: _sql_value(v) for k, v in r.items()} for r in rows],
            )
        yield c, data


def test_loader_output_gives_the_same_findings_as_the_rows(conn) -> None:  # type: ignore[no-untyped-def]
    c, data = conn
    inputs = load(c, "420200")
    assert inputs.births.num_rows == data.count("birth")
    found = link(*inputs, as_of=AS_OF)
    assert {f.key() for f in found} == data.truth


def test_region_run_reports_only_the_region(conn) -> None:  # type: ignore[no-untyped-def]
    c, data = conn
    found = crosscheck(c, as_of=AS_OF, region_prefix="420202")
    assert found and all(f.region.startswith("420202") for f in found)
    everything = {f.key() for f in crosscheck(c, as_of=AS_OF, region_prefix="000000")}
    assert {f.key() for f in found} <= everything == data.truth


def test_voided_rows_are_not_loaded(conn) -> None:  # type: ignore[no-untyped-def]
    c: Connection = conn[0]
    c.execute(text("UPDATE birth SET voided_at = '2026-02-01 00:00:00.000000'"))
    assert load(c).births.num_rows == 0


def test_bad_prefix_is_refused(conn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        load(conn[0], "42'; DROP TABLE birth; --")
