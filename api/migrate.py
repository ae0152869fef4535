"""Alembic from code: upgrade to head and tell whether a database is at head."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    """Return the project's Alembic configuration pointed at `database_url`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    """Migrate the database to the newest revision."""
    command.upgrade(alembic_config(database_url), "head")


@cache
def head_revision() -> str | None:
    """The newest revision the code ships (read once: scripts don't change while running)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_at_head(engine: Engine) -> bool:
    """Tell whether the database's schema is at the newest revision."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == {head_revision()}
