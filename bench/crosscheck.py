"""Cross-check benchmark: loader + engine end to end, against the generator's truth.

    python bench/crosscheck.py                                   # 320k births, normal
    python bench/crosscheck.py --births 320000 --births 1000000 --hard --splink
    python bench/crosscheck.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each size and variant it generates a population (cached under bench/out/, which git
ignores), stores it in a SQLite file (and, with --pg-url, in a throwaway PostgreSQL
database `vitalx_bench` that is created and dropped), then times, in a fresh process so
that peak memory is the run's own: rows read by `api.crosscheck.linkage.load` → findings from
`api.crosscheck.linkage.link`. It prints wall time, peak RSS and precision/recall/F1 per
discrepancy type. With --splink it also runs Splink 5 (DuckDB backend) on the
birth ↔ entry linkage (the same prepared units and fields, a trained Fellegi-Sunter
model, one-to-one by single best links) and compares the three types that linkage
decides: BIRTH_NOT_REGISTERED, REGISTRATION_WITHOUT_BIRTH_RECORD, ATTRIBUTE_MISMATCH.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
AS_OF = date(2026, 3, 1)
REGION = "420200"
TYPES = (
    "BIRTH_NOT_REGISTERED",
    "REGISTRATION_WITHOUT_BIRTH_RECORD",
    "ATTRIBUTE_MISMATCH",
    "DUPLICATE_BIRTH_RECORD",
    "DUPLICATE_PERSON",
    "MARITAL_STATUS_MISMATCH",
)
LINK_TYPES = TYPES[:3]
WORKER_TIMEOUT = 900  # seconds: the script must stop by itself

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


def dataset(n: int, hard: bool, seed: int) -> tuple[Path, Path]:
    """Return (sqlite file, truth pickle) for a population, generating it once."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = OUT / f"syn-{n}-{'hard' if hard else 'normal'}-s{seed}-{AS_OF:%Y%m%d}"
    db, truth = stem.with_suffix(".sqlite"), stem.with_suffix(".truth.pkl")
    if db.exists() and truth.exists():
        return db, truth
    from api.demo.synthetic import generate

    t0 = time.perf_counter()
    data = generate(n, seed=seed, hard=hard, as_of=AS_OF)
    print(
        f"  generated {n:,} births ({'hard' if hard else 'normal'}) in "
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


def to_postgres(db: Path, url: str) -> str:
    """Copy a SQLite population into a fresh database `vitalx_bench`; return its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute("DROP DATABASE IF EXISTS vitalx_bench")
        pg.execute("CREATE DATABASE vitalx_bench")
    target = base.set(database="vitalx_bench")
    lite = sqlite3.connect(db)
    with psycopg.connect(
        target.set(drivername="postgresql").render_as_string(hide_password=False)
    ) as pg:
        for table, ddl in DDL.items():
            pg.execute(f"CREATE TABLE {table} ({ddl.replace('TIMESTAMP', 'TIMESTAMPTZ')})")
            cols = [c.split()[0] for c in ddl.split(", ") if c.split()[0].islower()]
            with (
                pg.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                for row in lite.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                    copy.write_row(row)
        for stmt in INDEXES:
            pg.execute(stmt)
        pg.execute("SET TIME ZONE 'UTC'")
        pg.commit()
    with psycopg.connect(
        target.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as pg:
        pg.execute("VACUUM ANALYZE")
    return target.render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    """Drop the throwaway benchmark database."""
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as pg:
        pg.execute("DROP DATABASE IF EXISTS vitalx_bench")


# -- workers (run in a child process: clean peak memory) ---------------------------------
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_engine(url: str, out: Path) -> None:
    """Time loader + engine end to end; write the findings' keys and the numbers."""
    from sqlalchemy import create_engine

    from api.crosscheck.linkage import link, load
    from api.crosscheck.linkage.loader import significant_prefix

    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        inputs = load(conn, REGION)
    t_load = time.perf_counter() - t0
    timings: dict[str, float] = {}
    findings = link(*inputs, as_of=AS_OF, region_prefix=significant_prefix(REGION), timings=timings)
    wall = time.perf_counter() - t0
    rows = {k: v.num_rows for k, v in inputs._asdict().items()}
    keys = [(f.type.value, f.subject_ids, f.fields) for f in findings]
    out.write_bytes(
        pickle.dumps(
            {
                "wall": wall,
                "load": t_load,
                "timings": timings,
                "peak_mb": _peak_mb(),
                "rows": rows,
                "keys": keys,
            }
        )
    )


def worker_splink(url: str, out: Path) -> None:
    """Time Splink 5 on the birth ↔ entry linkage of the same prepared units."""
    from sqlalchemy import create_engine

    from api.crosscheck.linkage import load

    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        inputs = load(conn, REGION)
    t_load = time.perf_counter() - t0
    result = splink_run(inputs, AS_OF)
    wall = time.perf_counter() - t0
    out.write_bytes(
        pickle.dumps(
            {
                "wall": wall,
                "load": t_load,
                "peak_mb": _peak_mb(),
                "timings": result["timings"],
                "keys": result["keys"],
            }
        )
    )


def splink_run(inputs: Any, as_of: date) -> dict[str, Any]:
    """Link births to entries with Splink 5 and derive the linkage findings from its links.

    Splink gets the same prepared units as the engine (reissue chains collapsed, duplicate
    records clustered, via the engine's own preparation, timed as part of Splink's run)
    and the same fields, with the pinyin key as an extra column. Its model is trained the
    usual way (u by random sampling, m by EM on two blocking rules) and its links are made
    one-to-one with `cluster_using_single_best_links`. The findings are then derived with
    the engine's own field comparisons, so only *which pairs link* differs.
    """
    import pyarrow as pa
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from api.crosscheck.linkage import births as birth_units
    from api.crosscheck.linkage import engine as eng
    from api.crosscheck.linkage.pinyin import pinyin_keys

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    run = eng.open_run(*inputs, as_of=as_of)
    birth_units.prepare_births(run)
    dup_pairs = birth_units.duplicates(run)
    run.prepare_entries()
    con = run.con
    py = pinyin_keys(
        r[0]
        for r in con.execute(
            "SELECT DISTINCT nname FROM u UNION SELECT DISTINCT nname FROM e"
        ).fetchall()
    )
    con.register(
        "_py",
        pa.table(
            {
                "nname": pa.array(list(py), pa.string()),
                "py": pa.array(list(py.values()), pa.string()),
            }
        ),
    )
    cols = (
        "{t}.id AS unique_id, cert, mid, left(mid, 14) AS mid14, "
        "CAST(DATE '1970-01-01' + day AS DATE) AS day, "
        "CASE WHEN sex = 'unknown' THEN NULL ELSE sex END AS sex, "
        "{t}.nname AS name, _py.py AS name_py"
    )
    units = con.sql(
        f"SELECT {cols.format(t='u')} FROM u LEFT JOIN _py USING (nname)"
    ).to_arrow_table()
    entries = con.sql(
        f"SELECT {cols.format(t='e')} FROM e LEFT JOIN _py USING (nname)"
    ).to_arrow_table()
    timings["prepare"] = round(time.perf_counter() - t0, 2)

    db_api = DuckDBAPI()
    sdf_u = db_api.register(units, dataset_display_name="births")
    sdf_e = db_api.register(entries, dataset_display_name="entries")
    name = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name"),
            cll.ExactMatchLevel("name_py"),
            cll.ElseLevel(),
        ],
        output_column_name="name",
    )
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1 / max(units.num_rows, 1),
        blocking_rules_to_generate_predictions=[
            block_on("cert"),
            block_on("mid"),
            block_on("mid14", "day"),
            block_on("name_py", "day"),
        ],
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("cert", [1]),
            cl.DamerauLevenshteinAtThresholds("mid", [1, 2]),
            cl.AbsoluteDateDifferenceAtThresholds(
                "day", input_is_string=False, metrics=["day"], thresholds=[1]
            ),
            cl.ExactMatch("sex"),
            name,
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker([sdf_u, sdf_e], settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
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

    # Back in the engine's connection: the links become `links`, findings as usual.
    con.register("_clusters", links)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT b.unique_id AS uid, x.unique_id AS eid
        FROM _clusters b JOIN _clusters x ON b.cluster_id = x.cluster_id
        WHERE b.source_dataset = 'births' AND x.source_dataset = 'entries'
        """
    )
    run.score_candidates("u", "e", accept=False)  # field levels of Splink's pairs
    con.execute("CREATE OR REPLACE TEMP TABLE links AS SELECT * FROM cp")
    findings = run.birth_findings(dup_pairs)
    timings["findings"] = round(time.perf_counter() - t0, 2)
    keys = [(f.type.value, f.subject_ids, f.fields) for f in findings if f.type.value in LINK_TYPES]
    return {"timings": timings, "keys": keys}


def run_worker(kind: str, url: str) -> dict[str, Any]:
    """Run a worker in a fresh interpreter and return what it measured."""
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"result-{kind}.pkl"
    out.unlink(missing_ok=True)
    try:
        subprocess.run(
            [sys.executable, __file__, "--worker", kind, "--url", url, "--out", str(out)],
            check=True,
            timeout=WORKER_TIMEOUT,
        )
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
        print(f"  {kind} worker failed: {exc}", file=sys.stderr, flush=True)
        return {
            "wall": float("nan"),
            "load": float("nan"),
            "peak_mb": float("nan"),
            "timings": {"error": str(exc)[:200]},
            "keys": [],
        }
    result: dict[str, Any] = pickle.loads(out.read_bytes())
    return result


# -- scoring ---------------------------------------------------------------------------
def prf(truth: set[Any], got: set[Any]) -> tuple[float, float, float]:
    """Return precision, recall and F1 (1.0 for an empty truth found empty)."""
    tp = len(truth & got)
    p = tp / len(got) if got else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(
    truth: set[tuple[str, frozenset[str]]],
    keys: Iterable[tuple[str, frozenset[str], tuple[str, ...]]],
    types: tuple[str, ...],
) -> dict[str, tuple[int, int, float, float, float]]:
    """Return {type: (truth count, found count, precision, recall, F1)}."""
    got = {(t, ids) for t, ids, _ in keys}
    out = {}
    for ty in types:
        t = {k for k in truth if k[0] == ty}
        g = {k for k in got if k[0] == ty}
        out[ty] = (len(t), len(g), *prf(t, g))
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmarks and print a markdown table."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--births", type=int, action="append", help="population size (repeatable; default 320000)"
    )
    ap.add_argument("--hard", action="store_true", help="also run the hard variant")
    ap.add_argument("--hard-only", action="store_true", help="run only the hard variant")
    ap.add_argument("--splink", action="store_true", help="also run Splink 5 (DuckDB)")
    ap.add_argument("--pg-url", help="PostgreSQL server to load a throwaway database into")
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(Path(__file__).parent))
        {"engine": worker_engine, "splink": worker_splink}[args.worker](args.url, Path(args.out))
        return 0

    sizes = args.births or [320000]
    variants = [True] if args.hard_only else [False, True] if args.hard else [False]
    lines = [
        "| births | variant | db | system | wall s | peak MB | "
        + " | ".join(f"F1 {t}" for t in TYPES)
        + " |",
        "|" + "---|" * (6 + len(TYPES)),
    ]
    summary: list[dict[str, Any]] = []
    for n in sizes:
        for hard in variants:
            variant = "hard" if hard else "normal"
            db, truth_file = dataset(n, hard, args.seed)
            truth, _fields = pickle.loads(truth_file.read_bytes())
            targets = [("sqlite", f"sqlite:///{db}")]
            if args.pg_url:
                print("  copying into PostgreSQL ...", file=sys.stderr, flush=True)
                targets.append(("postgresql", to_postgres(db, args.pg_url)))
            try:
                for db_name, url in targets:
                    # Splink's numbers do not depend on where the rows came from: run it once.
                    with_splink = args.splink and db_name == "sqlite"
                    systems = ["vitalx"] + (["splink"] if with_splink else [])
                    for system in systems:
                        kind = "engine" if system == "vitalx" else "splink"
                        res = run_worker(kind, url)
                        types = TYPES if system == "vitalx" else LINK_TYPES
                        sc = score(truth, res["keys"], types)
                        f1 = [f"{sc[t][4]:.4f}" if t in sc else "–" for t in TYPES]
                        lines.append(
                            f"| {n:,} | {variant} | {db_name} | {system} | "
                            f"{res['wall']:.1f} | {res['peak_mb']:.0f} | " + " | ".join(f1) + " |"
                        )
                        summary.append(
                            {
                                "births": n,
                                "variant": variant,
                                "db": db_name,
                                "system": system,
                                "wall": res["wall"],
                                "load": res["load"],
                                "timings": res["timings"],
                                "peak_mb": res["peak_mb"],
                                "scores": sc,
                            }
                        )
                        print(json.dumps(summary[-1], default=str), file=sys.stderr, flush=True)
            finally:
                if args.pg_url:
                    drop_postgres(args.pg_url)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
