"""`vitalx audit verify`: exit code 0 and counts when intact, 1 and the first broken link if not."""

from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department
from api.access.principal import Access, Principal
from api.cli.main import app as cli
from api.config import Settings
from api.db import unit_of_work
from api.journal.audit import record_access
from api.models import AuditEvent

runner = CliRunner()
PRINCIPAL = Principal(
    subject="maternal-health-test",
    actor_type="client",
    department=Department.MATERNAL_HEALTH,
    region="420200",
    scopes=frozenset(DEPARTMENT_SCOPES[Department.MATERNAL_HEALTH]),
    purposes=DEPARTMENT_PURPOSES[Department.MATERNAL_HEALTH],
    jti="test",
)


def write_chain(app: FastAPI, count: int) -> int:
    """Commit `count` audit events in one transaction, so in one chain; return the chain."""
    engine: Engine = app.state.engine
    with unit_of_work(engine) as session:
        for n in range(count):
            record_access(
                session,
                Access(PRINCIPAL, PRINCIPAL.purposes[0]),
                action="read",
                resource="births",
                record_ids=[f"birth-{n}"],
            )
    with Session(engine) as session:
        return session.exec(select(AuditEvent.chain)).first() or 0


def tamper(app: FastAPI, *statements: str) -> None:
    with app.state.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_an_intact_log_exits_0_with_the_counts(env_settings: Settings, app: FastAPI) -> None:
    write_chain(app, 4)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 4 events in 8 chains verified." in result.output


def test_an_empty_log_is_intact(env_settings: Settings) -> None:
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "0 events" in result.output


def test_a_large_log_is_verified_in_batches_with_progress(
    env_settings: Settings, app: FastAPI
) -> None:
    write_chain(app, 250)
    result = runner.invoke(cli, ["audit", "verify", "--batch", "100"])
    assert result.exit_code == 0, result.output
    assert "250 events" in result.output


def test_an_altered_event_exits_1_naming_it(env_settings: Settings, app: FastAPI) -> None:
    chain = write_chain(app, 4)
    tamper(app, f"UPDATE audit_event SET actor = 'nobody' WHERE chain = {chain} AND chain_seq = 3")
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"chain {chain}, event 3: content was altered" in result.output
    assert "BROKEN: 1 of 8 chains" in result.output


def test_a_deleted_event_exits_1_naming_the_gap(env_settings: Settings, app: FastAPI) -> None:
    chain = write_chain(app, 4)
    tamper(app, f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq = 2")
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"chain {chain}, event 2: event is missing" in result.output


def test_a_deleted_last_event_exits_1(env_settings: Settings, app: FastAPI) -> None:
    chain = write_chain(app, 3)
    tamper(app, f"DELETE FROM audit_event WHERE chain = {chain} AND chain_seq = 3")
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"chain {chain}, event 3: events at the end of the chain are missing" in result.output


def test_reordered_events_exit_1_at_the_first_misplaced_one(
    env_settings: Settings, app: FastAPI
) -> None:
    chain = write_chain(app, 4)
    where = f"WHERE chain = {chain} AND chain_seq ="
    tamper(
        app,
        f"UPDATE audit_event SET chain_seq = 99 {where} 1",
        f"UPDATE audit_event SET chain_seq = 1 {where} 3",
        f"UPDATE audit_event SET chain_seq = 3 {where} 99",
    )
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"chain {chain}, event 1: does not follow its predecessor" in result.output
