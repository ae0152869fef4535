"""Splink 5 on the birth ↔ household-entry linkage, set up to be a fair comparison.

Splink gets the same prepared units as the engine (reissue chains collapsed, duplicate
records clustered, placeholder child names removed: the engine's own preparation, timed
as part of Splink's run) and the same fields, names in their comparable form with their
pinyin key beside them.

u-probabilities are estimated from the data, not sampled: for every comparison level the
number of (birth, entry) pairs of the whole cartesian product at that level is counted
in DuckDB (value frequencies for exact levels, deletion neighbourhoods for one-edit
levels, day histograms for one-day levels) and divided by the number of pairs. That is
the figure random sampling converges to (true matches included, as in Splink's own
estimate), without sampling error and with every level observed, so Splink reports a
fully trained model. m-probabilities are trained by expectation maximisation on
two blocking rules, as usual. Prediction blocks on the identifiers and on their halves,
so that a pair with one typo in each identifier still meets, as the engine's deletion
neighbourhoods let it (most of Splink's time goes there). Links are made one-to-one with
`cluster_using_single_best_links`. Findings are then derived with the engine's own field
comparisons, so only *which pairs link* differs between the two.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from api.crosscheck.linkage import births as birth_units
from api.crosscheck.linkage import pairs, report
from api.crosscheck.linkage.names import normalize_name
from api.crosscheck.linkage.pinyin import pinyin_key
from api.crosscheck.linkage.run import Run, open_run

LINK_TYPES = ("BIRTH_NOT_REGISTERED", "REGISTRATION_WITHOUT_BIRTH_RECORD", "ATTRIBUTE_MISMATCH")
_COLUMNS = (
    "{t}.id AS unique_id, cert, mid, left(mid, 14) AS mid14, "
    "CAST(DATE '1970-01-01' + day AS DATE) AS day, "
    "CASE WHEN sex = 'unknown' THEN NULL ELSE sex END AS sex, n.name, n.name_py"
)


def _prepare(run: Run) -> tuple[pa.Table, pa.Table]:
    """Return (units, entries) in Splink's input shape, from the engine's tables."""
    con = run.con
    names = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT nname FROM u WHERE nname IS NOT NULL "
            "UNION SELECT DISTINCT nname FROM e WHERE nname IS NOT NULL"
        ).fetchall()
    ]
    run.register(
        "_names",
        {
            "nname": pa.array(names, pa.string()),
            "name": pa.array([normalize_name(n) for n in names], pa.string()),
            "name_py": pa.array([pinyin_key(n) for n in names], pa.string()),
        },
    )
    # Every live record, duplicates included: an entry may cite either record of a child.
    units, entries = (
        con.sql(
            f"SELECT {_COLUMNS.format(t=t)} FROM {t} LEFT JOIN _names n ON n.nname = {t}.nname"
        ).to_arrow_table()
        for t in ("u", "e")
    )
    return units, entries


def _pairs_within_one_edit(con: duckdb.DuckDBPyConnection, column: str) -> float:
    """Return the number of (unit, entry) pairs whose `column` values are one edit apart."""
    keys = """
        SELECT v, n, CASE WHEN i = 0 THEN v ELSE substr(v, 1, i - 1) || substr(v, i + 1) END AS k
        FROM (SELECT v, n, unnest(range(0, length(v) + 1)) AS i FROM {side})
    """
    side = "(SELECT {c} AS v, count(*) AS n FROM {t} WHERE {c} IS NOT NULL GROUP BY 1)"
    sql = f"""
        WITH a AS ({keys.format(side=side.format(c=column, t="_su"))}),
             b AS ({keys.format(side=side.format(c=column, t="_se"))}),
             close AS (SELECT DISTINCT a.v AS va, a.n AS na, b.v AS vb, b.n AS nb
                       FROM a JOIN b ON a.k = b.k
                       WHERE a.v <> b.v AND damerau_levenshtein(a.v, b.v) = 1)
        SELECT coalesce(sum(na * nb), 0) FROM close
    """
    row = con.execute(sql).fetchone()
    return float(row[0]) if row else 0.0


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    return float(row[0] or 0) if row else 0.0


def _exact(con: duckdb.DuckDBPyConnection, column: str) -> float:
    return _count(
        con,
        f"SELECT sum(a.n * b.n) FROM (SELECT {column} v, count(*) n FROM _su GROUP BY 1) a "
        f"JOIN (SELECT {column} v, count(*) n FROM _se GROUP BY 1) b ON a.v = b.v",
    )


def _non_null_pairs(con: duckdb.DuckDBPyConnection, column: str) -> float:
    return _count(con, f"SELECT count({column}) FROM _su") * _count(
        con, f"SELECT count({column}) FROM _se"
    )


def exact_u(units: pa.Table, entries: pa.Table) -> dict[str, list[float]]:
    """Return each comparison's u-probabilities (its levels in order), counted exactly."""
    con = duckdb.connect()
    con.register("_su", units)
    con.register("_se", entries)
    u: dict[str, list[float]] = {}
    for column in ("cert", "mid"):
        total, same = _non_null_pairs(con, column), _exact(con, column)
        near = _pairs_within_one_edit(con, column)
        u[column] = [same / total, near / total, (total - same - near) / total]
    total, same = _non_null_pairs(con, "day"), _exact(con, "day")
    near = _count(
        con,
        "SELECT sum(a.n * b.n) FROM (SELECT day v, count(*) n FROM _su GROUP BY 1) a "
        "JOIN (SELECT day v, count(*) n FROM _se GROUP BY 1) b ON abs(a.v - b.v) = 1",
    )
    u["day"] = [same / total, near / total, (total - same - near) / total]
    total, same = _non_null_pairs(con, "sex"), _exact(con, "sex")
    u["sex"] = [same / total, (total - same) / total]
    total, same = _non_null_pairs(con, "name"), _exact(con, "name")
    homophones = _exact(con, "name_py") - same
    u["name"] = [same / total, homophones / total, (total - same - homophones) / total]
    con.close()
    return u


def _settings(n_units: int, u: dict[str, list[float]]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name"),
            cll.ExactMatchLevel("name_py"),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    comparisons = [
        cl.DamerauLevenshteinAtThresholds("cert", [1]).configure(u_probabilities=u["cert"]),
        cl.DamerauLevenshteinAtThresholds("mid", [1]).configure(u_probabilities=u["mid"]),
        cl.AbsoluteDateDifferenceAtThresholds(
            "day", input_is_string=False, metrics=["day"], thresholds=[1]
        ).configure(u_probabilities=u["day"]),
        cl.ExactMatch("sex").configure(u_probabilities=u["sex"]),
        name.configure(u_probabilities=u["name"]),
    ]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1 / max(n_units, 1),
        # Exact keys, and halves of the identifiers so that one typo still meets (the
        # engine's deletion neighbourhoods do that; Splink's blocking is by equality).
        blocking_rules_to_generate_predictions=[
            block_on("cert"),
            block_on("mid"),
            block_on("substr(cert, 1, 5)"),
            block_on("substr(cert, 6, 5)"),
            block_on("substr(mid, 1, 9)", "day"),
            block_on("substr(mid, 10, 8)", "day"),
            block_on("name_py", "day"),
        ],
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


class _Warnings(logging.Handler):
    """Collects Splink's warnings, so that the benchmark can show an untrained model."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def splink_run(inputs: Any, as_of: date) -> dict[str, Any]:
    """Link births to entries with Splink 5; return timings, finding keys and warnings."""
    from splink import DuckDBAPI, Linker, block_on

    caught = _Warnings()
    logging.getLogger("splink").addHandler(caught)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    run = open_run(*inputs, as_of=as_of)
    birth_units.prepare_births(run)
    dup_pairs = birth_units.duplicates(run)
    pairs.prepare_entries(run)
    units, entries = _prepare(run)
    timings["prepare"] = round(time.perf_counter() - t0, 2)
    u = exact_u(units, entries)
    timings["u"] = round(time.perf_counter() - t0, 2)
    db_api = DuckDBAPI()
    sdf_u = db_api.register(units, dataset_display_name="births")
    sdf_e = db_api.register(entries, dataset_display_name="entries")
    linker = Linker([sdf_u, sdf_e], _settings(units.num_rows, u))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("cert"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("mid"))
    timings["train"] = round(time.perf_counter() - t0, 2)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    timings["predict"] = round(time.perf_counter() - t0, 2)
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["births", "entries"], threshold_match_probability=0.5
    )
    links = clusters.as_duckdbpyrelation().to_arrow_table()
    timings["one_to_one"] = round(time.perf_counter() - t0, 2)
    # Back in the engine's connection: Splink's links become `links`, findings as usual.
    run.con.register("_clusters", links)
    run.con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT b.unique_id AS uid, x.unique_id AS eid
        FROM _clusters b JOIN _clusters x ON b.cluster_id = x.cluster_id
        WHERE b.source_dataset = 'births' AND x.source_dataset = 'entries'
        """
    )
    pairs.score_candidates(run, "u", "e", accept=False)  # field levels of Splink's pairs
    run.con.execute("CREATE OR REPLACE TEMP TABLE links AS SELECT * FROM cp")
    findings = report.birth_findings(run, dup_pairs)
    timings["findings"] = round(time.perf_counter() - t0, 2)
    run.con.close()
    logging.getLogger("splink").removeHandler(caught)
    keys = [(f.type.value, f.subject_ids, f.fields) for f in findings if f.type.value in LINK_TYPES]
    untrained = [m for m in caught.messages if "not fully trained" in m]
    return {"timings": timings, "keys": keys, "warnings": untrained, "u": u}
