"""Benchmark: audited single-record creates against a raw insert of the same row.

    .venv/bin/python -m bench.writes                      # SQLite, then PostgreSQL
    .venv/bin/python -m bench.writes --database postgresql --duration 5

For each database: a fresh database and two servers with the same uvicorn settings
(`--workers 2`, loopback, free ports):
  - vitalx: `POST /v1/births` with a real maternal-health token (validation, jurisdiction,
    natural-key check, the record, its first version, its feed event and its audit event,
    all committed in one transaction before the 201);
  - the raw app of `bench/reads.py`: `POST /raw/births` flattens the body and runs one
    `INSERT INTO birth`, with no validation, auth, history, feed or audit.
Both are driven by wrk (bench/wrk.lua sends each body once) through the phases of
`bench.load.compare`, each phase on one server then the other, and every figure of vitalx
is printed beside the raw server's.
"""

import argparse
import itertools
import json
import random
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from api.access.policy import Department
from bench._common import (
    birth_line,
    client_token,
    fresh_database,
    hubei_counties,
    running_server,
    temp_workdir,
)
from bench.load import Profile, Server, compare
from bench.report import WRITE_P99_TARGET_MS, print_comparison

# An upper bound on the creates per second either server manages: each run gets enough
# fresh bodies for it, so that no certificate number is sent twice.
MAX_RATE = 4_000


def body_files(workdir: Path, label: str) -> Callable[[float], Path]:
    """A `Targets` that writes a new file of never-sent birth bodies for each run."""
    counter = itertools.count(1)
    numbers = itertools.count(1)
    rng = random.Random(label)
    counties = hubei_counties()
    now = datetime.now(UTC)

    def bodies(seconds: float) -> Path:
        path = workdir / f"bodies-{label}-{next(counter)}.ndjson"
        with path.open("w", encoding="utf-8") as out:
            for _ in range(int(MAX_RATE * seconds)):
                body = birth_line(rng, next(numbers), counties, now)
                # Distinct per server, so that both can run on one database.
                body["certificate_no"] = label[0].upper() + body["certificate_no"][1:]
                out.write(json.dumps(body, ensure_ascii=False) + "\n")
        return path

    return bodies


def run(backend: str, seconds: float) -> tuple[Profile, Profile]:
    """Both servers on one fresh database, measured in turn; print their figures."""
    with temp_workdir() as tmp, ExitStack() as servers:
        workdir = Path(tmp)
        url = servers.enter_context(fresh_database(backend, workdir))
        print(f"\ncreates on {backend}: uvicorn --workers 2, {seconds:g} s per run")
        base, _ = servers.enter_context(running_server(url, workdir, workers=2))
        token = client_token(url, base, Department.MATERNAL_HEALTH, "420000")
        raw_app = "bench.reads:create_raw_app"
        raw_base, _ = servers.enter_context(running_server(url, workdir, app=raw_app, workers=2))
        audited, raw = compare(
            "post",
            [
                Server(f"{base}/v1/births", body_files(workdir, "vitalx"), token),
                Server(f"{raw_base}/raw/births", body_files(workdir, "raw")),
            ],
            seconds=seconds,
        )
    print_comparison(
        "vitalx POST /v1/births",
        audited,
        "raw POST + one INSERT",
        raw,
        ratio_target=None,
        p99_target_ms=WRITE_P99_TARGET_MS,
    )
    return audited, raw


def main() -> None:
    """Run the write benchmark on the chosen databases."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measured run")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for backend in backends:
        run(backend, args.duration)


if __name__ == "__main__":
    main()
