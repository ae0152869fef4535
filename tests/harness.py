"""The test databases: backend choice, Alembic, per-process templates and fresh copies.

`VITALX_TEST_DATABASE` selects `sqlite` (default) or `postgresql`; for PostgreSQL each
pytest process (each xdist worker) creates its own databases on the server named by
`VITALX_TEST_PG_URL` and drops them when it is done.
"""

import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, MetaData, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from api.config import Settings
from api.migrate import alembic_config

BACKEND = os.environ.get("VITALX_TEST_DATABASE", "sqlite").strip().lower()
PG_SERVER_URL = os.environ.get(
    "VITALX_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DEFAULT_REGION = "420200"  # 黄石市: the demo and most tests live here

if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"VITALX_TEST_DATABASE must be sqlite or postgresql, not {BACKEND!r}")


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at `url` with Alembic, leaving pytest's logging alone."""
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Downgrade the database at `url` with Alembic."""
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.downgrade(config, revision)


def _server_engine() -> Engine:
    return create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_pg_database(label: str) -> str:
    """Create an empty database on the test server and return its URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"vitalx_test_{worker}_{label}_{secrets.token_hex(4)}"
    server = _server_engine()
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by `create_pg_database`, closing its leftover connections."""
    name = make_url(url).database
    server = _server_engine()
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@dataclass
class Template:
    """The migrated schema every test starts from."""

    url: str
    sqlite_file: Path | None = None
    metadata: MetaData = field(default_factory=MetaData)
    seed_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sequences: list[str] = field(default_factory=list)
    engine: Engine | None = None

    def fresh_database(self, directory: Path) -> str:
        """Return the URL of a database in the migrated state, for one test."""
        if self.sqlite_file is not None:
            target = directory / "vitalx.db"
            shutil.copyfile(self.sqlite_file, target)
            return f"sqlite:///{target}"
        assert self.engine is not None
        # DELETE, not TRUNCATE: on a few small tables it is ~30 times faster, since
        # TRUNCATE makes new files for every table it empties.
        with self.engine.begin() as connection:
            # A connection some test leaked would block the reset forever; fail instead.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            for table in reversed(self.metadata.sorted_tables):
                connection.execute(table.delete())
            for sequence in self.sequences:
                connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
            for table in self.metadata.sorted_tables:
                if self.seed_rows.get(table.name):
                    connection.execute(table.insert(), self.seed_rows[table.name])
        return self.url


def _snapshot_seed_rows(engine: Engine, metadata: MetaData) -> dict[str, list[dict[str, Any]]]:
    # Rows the migrations insert (alembic_version, journal heads ...) must survive TRUNCATE.
    seeds: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = [dict(row._mapping) for row in connection.execute(select(table))]
            if rows:
                seeds[table.name] = rows
    return seeds


def build_template(directory: Path) -> Template:
    """Migrate a template database once: a file in `directory`, or a new PostgreSQL one."""
    if BACKEND == "sqlite":
        path = directory / "vitalx.db"
        url = f"sqlite:///{path}"
        migrate(url)
        # Leave WAL mode so that the whole database is in the one file that gets copied.
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()
        return Template(url=url, sqlite_file=path)
    url = create_pg_database("template")
    engine = create_engine(url, pool_size=1, max_overflow=2)
    try:
        migrate(url)
        metadata = MetaData()
        metadata.reflect(engine)
        seeds = _snapshot_seed_rows(engine, metadata)
        with engine.connect() as connection:
            sequences = list(
                connection.execute(text("SELECT sequencename FROM pg_sequences")).scalars()
            )
    except BaseException:
        engine.dispose()
        drop_pg_database(url)
        raise
    return Template(url=url, metadata=metadata, seed_rows=seeds, sequences=sequences, engine=engine)


def discard_template(template: Template) -> None:
    """Release a template's connections and drop it when it lives on the server."""
    if template.engine is not None:
        template.engine.dispose()
        drop_pg_database(template.url)


def make_settings(database_url: str, signing_key_file: Path, **overrides: Any) -> Settings:
    """Settings for a test app, independent of the environment."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "signing_key_file": signing_key_file,
        "generate_signing_key": True,
        "issuer": "https://vitalx.local",
        "audience": "vitalx-api",
        # Tests fetch many tokens and pages from one address; the rate-limit tests set
        # their own limits (tests/adversarial/test_throttling.py).
        "token_rate_limit_per_address": 1_000_000,
        "token_rate_limit_per_account": 1_000_000,
        "lookup_rate_limit": 1_000_000,
        "list_rate_limit": 1_000_000,
        "read_rate_limit_per_address": 1_000_000,
    }
    return Settings(**(values | overrides))
