"""Issue #9, defect 11: the token endpoint, ID look-ups and list pages are rate-limited.

Before the fix nothing was: 300 wrong client secrets in 53 s, 300 look-ups in 1 s, and a
whole person register in three pages of 500.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from tests.conftest import Credentials
from tests.factories import id_number

Limited = Callable[..., Credentials]
GENEROUS = 1000


@pytest.fixture
def limited(settings: Settings) -> Iterator[Limited]:
    """`limited(name=limit, ...)`: an app with those limits (the others generous) and a client."""
    opened: list[tuple[FastAPI, TestClient]] = []

    def make(**limits: int) -> Credentials:
        names = (
            "token_rate_limit_per_address",
            "token_rate_limit_per_account",
            "lookup_rate_limit",
            "list_rate_limit",
            "read_rate_limit_per_address",
        )
        chosen = {name: limits.pop(name, GENEROUS) for name in names}
        assert not limits, limits
        app = create_app(settings.model_copy(update=chosen))
        client = TestClient(app).__enter__()
        opened.append((app, client))
        return Credentials(app, client)

    yield make
    for app, client in opened:
        client.__exit__(None, None, None)
        app.state.engine.dispose()


def assert_throttled(response: Any, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) >= 1


def client_grant(creds: Credentials, client_id: str, secret: str) -> Any:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return creds.client.post("/oauth/token", data=form)


def password_grant(creds: Credentials, username: str, password: str) -> Any:
    form = {"grant_type": "password", "username": username, "password": password}
    return creds.client.post("/oauth/token", data=form)


def test_guessing_a_client_secret_is_stopped_after_the_accounts_allowance(limited: Limited) -> None:
    creds = limited(token_rate_limit_per_account=5)
    client_id, secret = creds.make_client("public_security")
    for _ in range(5):
        assert client_grant(creds, client_id, "guess").status_code == 401
    assert_throttled(client_grant(creds, client_id, "guess"), 5)
    # Even the right secret waits; another client is not affected.
    assert client_grant(creds, client_id, secret).status_code == 429
    other_id, other_secret = creds.make_client("public_security")
    assert client_grant(creds, other_id, other_secret).status_code == 200


def test_spraying_usernames_from_one_address_is_stopped(limited: Limited) -> None:
    creds = limited(token_rate_limit_per_address=8)
    for n in range(8):
        assert password_grant(creds, f"user-{n}", "password1").status_code == 400
    assert_throttled(password_grant(creds, "user-9", "password1"), 8)


def test_a_successful_login_gives_the_account_its_allowance_back(limited: Limited) -> None:
    creds = limited(token_rate_limit_per_account=3)
    username, password = creds.make_user("clerk")
    for _ in range(2):
        assert password_grant(creds, username, "wrong password").status_code == 400
    assert password_grant(creds, username, password).status_code == 200
    for _ in range(3):
        assert password_grant(creds, username, "wrong password").status_code == 400
    assert_throttled(password_grant(creds, username, password), 3)


def lookup(creds: Credentials, headers: dict[str, str]) -> Any:
    return creds.client.post("/v1/persons/lookup", json={"id_number": id_number()}, headers=headers)


def test_id_look_ups_are_limited_per_client(limited: Limited) -> None:
    creds = limited(lookup_rate_limit=3)
    scraper = creds.auth_headers("public_security")
    for _ in range(3):
        assert lookup(creds, scraper).status_code == 404
    assert_throttled(lookup(creds, scraper), 3)
    neighbour = creds.auth_headers("civil_affairs")
    assert lookup(creds, neighbour).status_code == 404


def test_list_pages_count_by_their_size(limited: Limited) -> None:
    creds = limited(list_rate_limit=10)
    scraper = creds.auth_headers("public_security")
    assert creds.client.get("/v1/persons?limit=500", headers=scraper).status_code == 200
    assert_throttled(creds.client.get("/v1/persons?limit=50", headers=scraper), 10)
    patient = creds.auth_headers("civil_affairs")
    for _ in range(10):
        assert creds.client.get("/v1/persons", headers=patient).status_code == 200
    assert creds.client.get("/v1/persons", headers=patient).status_code == 429


def test_look_ups_and_lists_are_limited_per_address_across_clients(limited: Limited) -> None:
    creds = limited(read_rate_limit_per_address=4)
    first = creds.auth_headers("public_security")
    second = creds.auth_headers("civil_affairs")
    for headers in (first, first, second, second):
        assert lookup(creds, headers).status_code == 404
    assert_throttled(creds.client.get("/v1/persons", headers=second), 4)


def test_reading_one_record_by_id_is_not_limited(limited: Limited) -> None:
    creds = limited(read_rate_limit_per_address=1)
    headers = creds.auth_headers("public_security")
    for _ in range(5):
        assert creds.client.get("/v1/persons/unknown-id", headers=headers).status_code == 404
