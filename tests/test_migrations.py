"""The migrations and the models describe the same schema, and migrations run both ways."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers every table)
from api.db import build_engine
from api.migrate import alembic_config, head_revision, is_at_head
from tests.harness import downgrade, migrate


def schema_differences(url: str) -> list[object]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_there_is_exactly_one_head(database_url: str) -> None:
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_migrations_downgrade_to_base_and_upgrade_again(scratch_database_url: str) -> None:
    url = scratch_database_url
    migrate(url)
    engine = build_engine(url)
    try:
        assert is_at_head(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables

        downgrade(url, "base")
        engine.dispose()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert not is_at_head(engine)

        migrate(url)
        engine.dispose()
        assert is_at_head(engine)
        assert head_revision() is not None
    finally:
        engine.dispose()
    assert schema_differences(url) == []
