"""Revocation without a query per request: the in-process set and its staleness bound
(api/access/revocation.py)."""

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt

from api.access.revocation import REFRESH_SECONDS, RevocationList
from api.db import unit_of_work
from api.models import RevokedToken


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    """The app's revocation list, on a clock the test controls."""
    fake = Clock()
    app.state.revocations = RevocationList(app.state.database.reader, clock=fake)
    return fake


def revoke_elsewhere(app: FastAPI, token: str) -> None:
    """Store a revocation as another worker process would: in the database only."""
    claims = jwt.get_unverified_claims(token)
    with unit_of_work(app.state.engine) as session:
        expires = datetime.fromtimestamp(claims["exp"], UTC)
        session.add(RevokedToken(jti=claims["jti"], expires_at=expires))


def test_the_documented_bound_is_a_few_seconds() -> None:
    assert 0 < REFRESH_SECONDS <= 5


def test_a_token_revoked_elsewhere_is_refused_once_the_bound_has_passed(
    app: FastAPI, client: TestClient, token_for: Callable[..., str], clock: Clock
) -> None:
    token = token_for("maternal_health")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/births", headers=headers).status_code == 200
    revoke_elsewhere(app, token)
    clock.now += REFRESH_SECONDS
    response = client.get("/v1/births", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_within_the_bound_the_set_is_not_reloaded(
    app: FastAPI, client: TestClient, token_for: Callable[..., str], clock: Clock
) -> None:
    token = token_for("maternal_health")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/births", headers=headers).status_code == 200
    revoke_elsewhere(app, token)
    clock.now += REFRESH_SECONDS / 2
    # Allowed by the bound, and the proof that no request queries the database.
    assert client.get("/v1/births", headers=headers).status_code == 200
    clock.now += REFRESH_SECONDS / 2
    assert client.get("/v1/births", headers=headers).status_code == 401


def test_a_token_revoked_through_this_process_is_refused_at_once(
    client: TestClient, token_for: Callable[..., str], clock: Clock
) -> None:
    token = token_for("maternal_health")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/births", headers=headers).status_code == 200
    jti = jwt.get_unverified_claims(token)["jti"]
    assert client.post("/oauth/revoke", data={"jti": jti}, headers=headers).status_code == 200
    assert client.get("/v1/births", headers=headers).status_code == 401


def test_the_age_of_the_set_counts_from_the_start_of_its_query(app: FastAPI) -> None:
    clock = Clock()
    revocations = RevocationList(app.state.database.reader, clock=clock)
    assert not revocations.is_fresh()
    revocations.refresh()
    assert revocations.is_fresh()
    clock.now += REFRESH_SECONDS
    assert not revocations.is_fresh()


def test_expired_revocations_are_not_kept(app: FastAPI) -> None:
    with unit_of_work(app.state.engine) as session:
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        session.add(RevokedToken(jti="old", expires_at=long_ago))
        session.add(RevokedToken(jti="live", expires_at=datetime.now(UTC) + timedelta(hours=1)))
    revocations = RevocationList(app.state.database.reader)
    revocations.refresh()
    assert "live" in revocations
    assert "old" not in revocations
    assert secrets.token_urlsafe(16) not in revocations
