"""Cross-check benchmark: the engine alone, Splink 5 beside it, and the run end to end.

    python -m bench.crosscheck                                  # 100k births, both variants
    python -m bench.crosscheck --births 1000000 --hard-only --splink
    python -m bench.crosscheck --end-to-end --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each size and variant it generates a population with its truth (cached under
bench/out/, which git ignores; regenerated when the generator changes) and stores it in
a SQLite file (with --pg-url, also in a throwaway PostgreSQL database that is dropped at
the end). Every measurement runs in a fresh process, so that its peak memory is its own:

 - engine (loader + engine): rows read by `api.crosscheck.linkage.load` → findings from
   `api.crosscheck.linkage.link`, from the benchmark's plain tables;
 - splink (--splink): Splink 5 on the same rows (bench/crosscheck_splink.py: the same
   prepared units, u estimated from the data, m by EM, one-to-one links), scored on the
   three types linkage decides; the ratio column is Splink's time over the engine's,
   both measured in this run;
 - end to end (--end-to-end): a migrated service database holding the population, one
   run through `api.crosscheck.worker.run_now` (queue, fingerprint, load, link,
   reconcile), scored on the worklist it stored (bench/crosscheck_e2e.py).

It prints wall time, peak RSS and F1 per discrepancy type as a markdown table, and the
per-phase timings as JSON lines on stderr.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crosscheck_data import (  # noqa: E402
    AS_OF,
    OUT,
    REGION,
    dataset,
    drop_postgres,
    to_postgres,
)

TYPES = (
    "BIRTH_NOT_REGISTERED",
    "REGISTRATION_WITHOUT_BIRTH_RECORD",
    "ATTRIBUTE_MISMATCH",
    "DUPLICATE_BIRTH_RECORD",
    "DUPLICATE_PERSON",
    "MARITAL_STATUS_MISMATCH",
)
LINK_TYPES = TYPES[:3]
WORKER_TIMEOUT = 1800  # seconds: the script must stop by itself
Keys = list[tuple[str, frozenset[str], tuple[str, ...]]]


# -- workers (each in a fresh interpreter) ----------------------------------------------
def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # SQLite readers
    return (own + children) / 1024


def worker_engine(url: str) -> dict[str, Any]:
    """Time loader + engine; return the numbers and the findings' keys."""
    from sqlalchemy import create_engine

    from api.access.jurisdiction import significant_digits
    from api.crosscheck.linkage import link, load

    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        inputs = load(conn, REGION)
    t_load = time.perf_counter() - t0
    timings: dict[str, float] = {"load": round(t_load, 2)}
    findings = link(*inputs, as_of=AS_OF, region_prefix=significant_digits(REGION), timings=timings)
    wall = time.perf_counter() - t0
    keys = [(f.type.value, f.subject_ids, f.fields) for f in findings]
    rows = {k: v.num_rows for k, v in inputs._asdict().items()}
    return {"wall": wall, "timings": timings | {"rows": rows}, "keys": keys}


def worker_splink(url: str) -> dict[str, Any]:
    """Time the loader and Splink 5 on the birth ↔ entry linkage of the same rows."""
    from sqlalchemy import create_engine

    from api.crosscheck.linkage import load
    from bench.crosscheck_splink import splink_run

    engine = create_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        inputs = load(conn, REGION)
    result = splink_run(inputs, AS_OF)
    wall = time.perf_counter() - t0
    timings = result["timings"] | {"untrained_warnings": len(result["warnings"])}
    return {"wall": wall, "timings": timings, "keys": result["keys"]}


def worker_e2e(url: str) -> dict[str, Any]:
    """Run one cross-check end to end on a loaded service database."""
    from bench.crosscheck_e2e import run_end_to_end

    return run_end_to_end(url)


WORKERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "engine": worker_engine,
    "splink": worker_splink,
    "e2e": worker_e2e,
}


def run_worker(kind: str, url: str) -> dict[str, Any]:
    """Run a worker in a fresh interpreter and return what it measured."""
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"result-{kind}.pkl"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.crosscheck", "--worker", kind, "--url", url]
    try:
        subprocess.run([*command, "--out", str(out)], check=True, timeout=WORKER_TIMEOUT, cwd=ROOT)
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
        print(f"  {kind} worker failed: {exc}", file=sys.stderr, flush=True)
        return {"wall": float("nan"), "peak_mb": float("nan"), "timings": {}, "keys": []}
    result: dict[str, Any] = pickle.loads(out.read_bytes())
    return result


# -- scoring -----------------------------------------------------------------------------
def prf(truth: set[Any], got: set[Any]) -> tuple[float, float, float]:
    """Return precision, recall and F1 (1.0 for an empty truth found empty)."""
    tp = len(truth & got)
    p = tp / len(got) if got else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(
    truth: set[tuple[str, frozenset[str]]], keys: Iterable[tuple[Any, ...]], types: tuple[str, ...]
) -> dict[str, tuple[int, int, float, float, float]]:
    """Return {type: (truth count, found count, precision, recall, F1)}."""
    got = {(k[0], k[1]) for k in keys}
    out = {}
    for ty in types:
        t = {k for k in truth if k[0] == ty}
        g = {k for k in got if k[0] == ty}
        out[ty] = (len(t), len(g), *prf(t, g))
    return out


class Report:
    """The markdown table and the JSON lines, filled measurement by measurement."""

    def __init__(self) -> None:
        head = "| births | variant | db | system | wall s | peak MB | Splink ÷ this | "
        self.lines = [
            head + " | ".join(f"F1 {t}" for t in TYPES) + " |",
            "|" + "---|" * (7 + len(TYPES)),
        ]

    def add(
        self,
        where: tuple[int, str, str, str],
        res: dict[str, Any],
        truth: Any,
        splink_wall: float | None = None,
    ) -> None:
        """Score one measurement against the truth and add its row (with Splink's ratio)."""
        n, variant, db, system = where
        types = LINK_TYPES if system == "splink" else TYPES
        sc = score(truth, res["keys"], types)
        f1 = [f"{sc[t][4]:.4f}" if t in sc else "–" for t in TYPES]
        ratio = f"{splink_wall / res['wall']:.2f}" if splink_wall else ""
        self.lines.append(
            f"| {n:,} | {variant} | {db} | {system} | {res['wall']:.1f} | "
            f"{res['peak_mb']:.0f} | {ratio} | " + " | ".join(f1) + " |"
        )
        line = {"births": n, "variant": variant, "db": db, "system": system}
        line |= {k: res[k] for k in ("wall", "peak_mb", "timings")} | {"scores": sc}
        print(json.dumps(line, default=str, ensure_ascii=False), file=sys.stderr, flush=True)


def _engine_and_splink(
    report: Report, where: tuple[int, str], targets: list[tuple[str, str]], splink: bool, truth: Any
) -> float | None:
    """Measure the engine on every target and Splink once; return Splink's wall time."""
    measured = [(db_name, run_worker("engine", url)) for db_name, url in targets]
    # Splink's numbers do not depend on where the rows came from: run it once.
    found = run_worker("splink", targets[0][1]) if splink else None
    splink_wall = found["wall"] if found else None
    for db_name, res in measured:
        report.add((*where, db_name, "engine"), res, truth, splink_wall)
    if found is not None:
        report.add((*where, targets[0][0], "splink"), found, truth)
    return splink_wall


def _end_to_end(
    report: Report, where: tuple[int, str], db: Path, backends: list[str], splink_wall: float | None
) -> None:
    from bench._common import fresh_database
    from bench.crosscheck_e2e import load_service_database

    truth = _truth(db)
    with tempfile.TemporaryDirectory(prefix="vitalx-crosscheck-") as workdir:
        for backend in backends:
            with fresh_database(backend, Path(workdir), "_e2e") as url:
                t0 = time.perf_counter()
                load_service_database(db, url)
                print(f"  loaded {backend} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
                res = run_worker("e2e", url)
                report.add((*where, backend, "end to end"), res, truth, splink_wall)


def _truth(db: Path) -> Any:
    truth, _fields = pickle.loads(db.with_suffix(".truth.pkl").read_bytes())
    return truth


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmarks and print a markdown table."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--births", type=int, action="append", help="size (repeatable; 100000)")
    ap.add_argument("--hard-only", action="store_true", help="only the hard variant")
    ap.add_argument("--standard-only", action="store_true", help="only the standard variant")
    ap.add_argument("--splink", action="store_true", help="also run Splink 5 (DuckDB)")
    ap.add_argument("--end-to-end", action="store_true", help="also database → worklist")
    ap.add_argument("--pg-url", help="PostgreSQL server for throwaway databases")
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        result = WORKERS[args.worker](args.url)
        result.setdefault("peak_mb", _peak_mb())
        Path(args.out).write_bytes(pickle.dumps(result))
        return 0

    variants = [False, True]
    if args.hard_only or args.standard_only:
        variants = [args.hard_only]
    report = Report()
    for n in args.births or [100_000]:
        for hard in variants:
            where = (n, "hard" if hard else "standard")
            db, _ = dataset(n, hard, args.seed)
            truth = _truth(db)
            targets = [("sqlite", f"sqlite:///{db}")]
            if args.pg_url:
                print("  copying into PostgreSQL ...", file=sys.stderr, flush=True)
                targets.append(("postgresql", to_postgres(db, args.pg_url)))
            try:
                splink_wall = _engine_and_splink(report, where, targets, args.splink, truth)
            finally:
                if args.pg_url:
                    drop_postgres(args.pg_url)
            if args.end_to_end:
                backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
                _end_to_end(report, where, db, backends, splink_wall)
    print("\n".join(report.lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
