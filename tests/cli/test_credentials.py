"""`vitalx users set-password`: a new password unlocks the account and ends its tokens."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli.main import app as cli
from api.config import Settings

runner = CliRunner()


def test_set_password_replaces_the_password_and_ends_the_users_tokens(
    env_settings: Settings, client: TestClient, make_user: Callable[..., tuple[str, str]]
) -> None:
    username, password = make_user("clerk")
    form = {"grant_type": "password", "username": username, "password": password}
    token = client.post("/oauth/token", data=form).json()["access_token"]

    args = ["users", "set-password", "--username", username, "--password", "a new passphrase"]
    result = runner.invoke(cli, args)

    assert result.exit_code == 0, result.output
    probe = client.post(
        "/oauth/revoke", data={"jti": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert probe.status_code == 401
    assert client.post("/oauth/token", data=form).status_code == 400
    form["password"] = "a new passphrase"
    assert client.post("/oauth/token", data=form).status_code == 200


def test_set_password_names_the_bad_option(env_settings: Settings) -> None:
    unknown = runner.invoke(
        cli, ["users", "set-password", "--username", "nobody", "--password", "long enough"]
    )
    assert unknown.exit_code == 2
    assert "'--username'" in unknown.output
    short = runner.invoke(cli, ["users", "set-password", "--username", "x", "--password", "short"])
    assert short.exit_code == 2
    assert "'--password'" in short.output
