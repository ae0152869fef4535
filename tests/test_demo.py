"""The demo population and its credentials (api/demo.py, `vitalx demo`)."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli.main import app as cli
from api.demo.population import database_is_empty, seed_demo
from api.models import Birth, Person, RecordVersion

AS_OF = date(2026, 11, 24)


def test_demo_loads_every_registry_with_a_first_version(session: Session) -> None:
    summary = seed_demo(session, births=60, seed=7, as_of=AS_OF)
    session.commit()
    assert summary.counts["births"] >= 60
    assert all(summary.counts[r] > 0 for r in ("persons", "household-entries", "marriages"))
    assert not database_is_empty(session)
    births = session.exec(select(Birth)).all()
    versions = session.exec(select(RecordVersion).where(RecordVersion.resource == "births")).all()
    assert {v.record_id for v in versions} == {b.id for b in births}
    assert all(p.jurisdiction_region for p in session.exec(select(Person)).all())


def test_demo_clients_get_tokens_and_read_their_jurisdiction(
    session: Session, client: TestClient
) -> None:
    summary = seed_demo(session, births=30, seed=3, as_of=AS_OF)
    session.commit()
    maternal = next(c for c in summary.credentials.clients if c["department"] == "maternal_health")
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": maternal["client_id"],
            "client_secret": maternal["client_secret"],
        },
    ).json()["access_token"]
    page = client.get("/v1/births?limit=5", headers={"Authorization": f"Bearer {token}"}).json()
    assert len(page["items"]) == 5
    clerk = next(u for u in summary.credentials.users if u["role"] == "clerk")
    login = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "clerk", "password": clerk["password"]},
    )
    assert login.status_code == 200


def test_demo_if_empty_leaves_a_loaded_database_alone(env_settings, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--births", "20"])
    assert first.exit_code == 0, first.output
    assert "client_secret=" in first.output
    again = runner.invoke(cli, ["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "not loaded again" in again.output
    assert "client_secret=" in again.output  # the saved logins are shown again
    refused = runner.invoke(cli, ["demo"])
    assert refused.exit_code == 2
