"""The `vitalx` command line (interface §6)."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli.main import app as cli
from api.config import Settings, get_settings
from api.db import build_engine, get_engine
from api.migrate import is_at_head

runner = CliRunner()


def create_client(*args: str) -> Any:
    return runner.invoke(
        cli,
        ["clients", "create", "--name", "黄石市妇幼保健院", "--region", "420200", *args],
    )


def test_clients_create_prints_a_secret_that_authenticates(
    env_settings: Settings, client: TestClient
) -> None:
    result = create_client("--department", "maternal_health", "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["department"] == "maternal_health"
    assert shown["purposes"] == ["birth-registration", "maternal-care"]
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": shown["client_id"],
            "client_secret": shown["client_secret"],
        },
    )
    assert response.status_code == 200, response.text
    assert "births:write" in response.json()["scope"].split()


def test_clients_create_shows_the_secret_in_its_table(env_settings: Settings) -> None:
    result = create_client("--department", "civil_affairs")
    assert result.exit_code == 0, result.output
    assert "client_secret" in result.stdout
    assert "shown only now" in result.stdout


def test_clients_create_narrows_scopes_and_purposes(
    env_settings: Settings, client: TestClient
) -> None:
    result = create_client(
        "--department",
        "public_security",
        "--scopes",
        "persons:read households:read",
        "--purposes",
        "crosscheck",
        "--json",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["scopes"] == ["persons:read", "households:read"]
    assert shown["purposes"] == ["crosscheck"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--department", "ministry_of_magic"], "--department"),
        (["--department", "civil_affairs", "--scopes", "births:read"], "--scopes"),
        (["--department", "civil_affairs", "--scopes", "births:fly"], "--scopes"),
        (["--department", "civil_affairs", "--purposes", "statistics"], "--purposes"),
    ],
)
def test_clients_create_with_a_bad_value_exits_2_naming_the_option(
    env_settings: Settings, args: list[str], option: str
) -> None:
    result = create_client(*args)
    assert result.exit_code == 2
    assert f"'{option}'" in result.output


def test_clients_create_with_an_unknown_region_exits_2_naming_the_region(
    env_settings: Settings,
) -> None:
    result = runner.invoke(
        cli,
        ["clients", "create", "--name", "x", "--department", "auditor", "--region", "999999"],
    )
    assert result.exit_code == 2
    assert "'--region'" in result.output


def test_users_create_makes_a_user_who_can_log_in(
    env_settings: Settings, client: TestClient
) -> None:
    result = runner.invoke(
        cli,
        [
            "users",
            "create",
            "--username",
            "zhang.wei",
            "--password",
            "s3cret-enough",
            "--role",
            "supervisor",
            "--region",
            "420202",
        ],
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "zhang.wei", "password": "s3cret-enough"},
    )
    assert response.status_code == 200, response.text
    assert "crosscheck:run" in response.json()["scope"].split()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--username", "u1", "--password", "short", "--role", "clerk"], "--password"),
        (["--username", "u1", "--password", "long enough", "--role", "boss"], "--role"),
    ],
)
def test_users_create_with_a_bad_value_exits_2_naming_the_option(
    env_settings: Settings, args: list[str], option: str
) -> None:
    result = runner.invoke(cli, ["users", "create", "--region", "420200", *args])
    assert result.exit_code == 2
    assert f"'{option}'" in result.output


def test_users_create_refuses_a_taken_username(env_settings: Settings) -> None:
    args = [
        "users",
        "create",
        "--username",
        "li.na",
        "--password",
        "long enough",
        "--role",
        "clerk",
        "--region",
        "420200",
    ]
    assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "already exists" in result.output


def test_migrate_brings_an_empty_database_to_head(
    scratch_database_url: str, signing_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VITALX_DATABASE_URL", scratch_database_url)
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["migrate"])
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()
    assert result.exit_code == 0, result.output
    engine = build_engine(scratch_database_url)
    try:
        assert is_at_head(engine)
    finally:
        engine.dispose()


def test_serve_runs_the_app_factory_under_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    result = runner.invoke(cli, ["serve", "--port", "8123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = calls
    assert args == ("api.app:create_served_app",)
    assert kwargs == {"factory": True, "host": "127.0.0.1", "port": 8123, "workers": 2}
    assert "http://127.0.0.1:8123/docs" in result.stdout
    assert "http://127.0.0.1:8123/portal/" in result.stdout
