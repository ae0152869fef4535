"""Shared pieces of the benchmarks: throwaway databases, servers, tokens, data, memory.

Everything listens on and talks to loopback addresses only, and every database or server
a benchmark starts is removed or stopped when it ends.
"""

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from api.access.accounts import create_client
from api.access.policy import Department
from api.db import build_engine, unit_of_work
from api.migrate import alembic_config
from api.validation import id_number_check_char, region_table

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PROJECT = Path(__file__).resolve().parent.parent


def upgrade(url: str) -> None:
    """Migrate a database to head without Alembic's log lines."""
    from alembic import command

    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, "head")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def fresh_database(backend: str, workdir: Path, label: str = "") -> Iterator[str]:
    """A migrated, empty database (a SQLite file, or `vitalx_bench_<pid>` on PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'bench{label}.db'}"
        upgrade(url)
        yield url
        return
    name = f"vitalx_bench_{os.getpid()}{label}"
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment a benchmark server runs with."""
    return {
        **os.environ,
        "VITALX_DATABASE_URL": database_url,
        "VITALX_SIGNING_KEY_FILE": str(workdir / "signing-key.pem"),
        "VITALX_DB_POOL_SIZE": "10",
    }


@contextmanager
def running_server(
    database_url: str, workdir: Path, *, app: str = "api.app:create_served_app", workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start uvicorn on a free loopback port in a child process; stop it at the end."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=server_env(database_url, workdir), cwd=PROJECT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client_token(database_url: str, base: str, department: Department, region: str) -> str:
    """Register a client of `department` and get a real token from the running server."""
    engine = build_engine(database_url)
    with unit_of_work(engine) as session:
        created = create_client(
            session, name=f"bench {department.value}", department=department, region=region
        )
        client_id, secret = created.client.client_id, created.client_secret
    engine.dispose()
    response = httpx.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


class PeakRss:
    """Samples the resident memory of a process and its children in a background thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            with suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def mib(n: int) -> str:
    """Bytes as MiB with one decimal."""
    return f"{n / 2**20:.1f} MiB"


# -- synthetic births --------------------------------------------------------------------

_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = (
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "伟",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "杰",
    "涛",
    "婷",
)


def hubei_counties() -> list[str]:
    """County-level GB/T 2260 codes of Hubei (42xxxx), from the shipped table."""
    return sorted(c for c in region_table() if c.startswith("42") and not c.endswith("00"))


def id_number(rng: random.Random, region: str, born: date, sex: str) -> str:
    """A valid GB 11643 ID number."""
    seq = rng.randrange(1, 499) * 2 + (1 if sex == "male" else 0)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


def birth_line(rng: random.Random, n: int, counties: list[str], now: datetime) -> dict[str, Any]:
    """The n-th synthetic birth record, valid for `POST /v1/births`."""
    region = counties[n % len(counties)]
    born_at = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 365))
    mother_born = date(1985, 1, 1) + timedelta(days=rng.randrange(0, 15 * 365))
    body: dict[str, Any] = {
        "certificate_no": f"Q{n:09d}",
        "child_name": rng.choice(_FAMILY) + rng.choice(_GIVEN),
        "child_sex": rng.choice(("male", "female")),
        "birth_datetime": born_at.isoformat(timespec="seconds"),
        "birth_weight_g": rng.randrange(2200, 4500),
        "gestational_weeks": rng.randrange(34, 42),
        "plurality": 1,
        "birth_order": 1,
        "place_type": "hospital",
        "facility_code": f"{region}001",
        "birth_region": region,
        "mother": {
            "id_number": id_number(rng, region, mother_born, "female"),
            "name": rng.choice(_FAMILY) + rng.choice(_GIVEN),
        },
    }
    if n % 10 < 7:
        body["father"] = {
            "id_number": id_number(rng, region, mother_born - timedelta(days=700), "male"),
            "name": rng.choice(_FAMILY) + rng.choice(_GIVEN),
        }
    return body


def raw_birth_row(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A birth body flattened into the birth table's columns as it is, without any check."""
    body = dict(body)
    mother, father = body.pop("mother"), body.pop("father", None) or {}
    return {
        **body,
        "id": str(uuid.uuid4()),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "source": "maternal_health",
        "voided_at": None,
        "void_reason": None,
        "birth_datetime": datetime.fromisoformat(body["birth_datetime"]).astimezone(UTC),
        "mother_id_number": mother["id_number"],
        "mother_name": mother["name"],
        "father_id_number": father.get("id_number"),
        "father_name": father.get("name"),
        "replaces_certificate_no": None,
        "status": "registered",
        "mother_verified": False,
    }


def write_births_file(path: Path, rows: int, seed: int = 7) -> int:
    """Write `rows` births as NDJSON; return the file size in bytes."""
    rng = random.Random(seed)
    counties = hubei_counties()
    now = datetime.now(UTC) - timedelta(hours=1)
    with path.open("w", encoding="utf-8") as out:
        for n in range(1, rows + 1):
            out.write(json.dumps(birth_line(rng, n, counties, now), ensure_ascii=False))
            out.write("\n")
    return path.stat().st_size


def temp_workdir() -> tempfile.TemporaryDirectory[str]:
    """A scratch directory removed at the end."""
    return tempfile.TemporaryDirectory(prefix="vitalx-bench-")
