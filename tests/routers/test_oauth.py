"""The OAuth 2.0 endpoints (interface §3): token grants, lockout, revocation, JWKS."""

import base64
from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from jose import jwt
from sqlmodel import Session, select

from api.access.policy import DEPARTMENT_SCOPES, ROLE_SCOPES, Department, Role
from api.models import StaffUser
from api.models.types import utcnow

MakeClient = Callable[..., tuple[str, str]]


def claims_of(token: str) -> dict:
    return jwt.get_unverified_claims(token)


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict = response.json()
    assert {"type", "title", "status", "detail", "instance", "errors"} <= body.keys()
    assert body["status"] == status
    return body


# -- client credentials ------------------------------------------------------------------


def test_client_credentials_in_the_form_get_a_bearer_token_with_the_department_scopes(
    client: TestClient, make_client: MakeClient
) -> None:
    client_id, secret = make_client("maternal_health", region="420202")
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    expected = {s.value for s in DEPARTMENT_SCOPES[Department.MATERNAL_HEALTH]}
    assert set(body["scope"].split()) == expected
    claims = claims_of(body["access_token"])
    assert claims["sub"] == client_id
    assert claims["dept"] == "maternal_health"
    assert claims["region"] == "420202"
    assert claims["iss"] == "https://vitalx.local"
    assert claims["aud"] == "vitalx-api"
    assert claims["exp"] - claims["iat"] == 900
    assert set(claims["scope"].split()) == expected
    assert claims["jti"]


def test_client_credentials_in_http_basic_are_accepted(
    client: TestClient, make_client: MakeClient
) -> None:
    client_id, secret = make_client("civil_affairs")
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["sub"] == client_id


def test_each_token_has_its_own_jti(client: TestClient, make_client: MakeClient) -> None:
    client_id, secret = make_client("civil_affairs")
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    tokens = [client.post("/oauth/token", data=form).json()["access_token"] for _ in range(2)]
    assert claims_of(tokens[0])["jti"] != claims_of(tokens[1])["jti"]


def test_wrong_client_secret_is_401_problem_json(
    client: TestClient, make_client: MakeClient
) -> None:
    client_id, _ = make_client("public_security")
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"},
    )
    body = assert_problem(response, 401)
    assert body["error"] == "invalid_client"
    assert "access_token" not in body


def test_unknown_client_is_refused_like_a_wrong_secret(client: TestClient) -> None:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
    )
    assert assert_problem(response, 401)["error"] == "invalid_client"


def test_unsupported_grant_type_is_400(client: TestClient) -> None:
    response = client.post("/oauth/token", data={"grant_type": "authorization_code"})
    body = assert_problem(response, 400)
    assert body["error"] == "unsupported_grant_type"
    assert body["errors"][0]["field"] == "grant_type"


# -- scopes ------------------------------------------------------------------------------


def test_requested_scope_narrows_the_token(client: TestClient, make_client: MakeClient) -> None:
    client_id, secret = make_client("maternal_health")
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "births:read",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "births:read"
    assert claims_of(response.json()["access_token"])["scope"] == "births:read"


def test_requesting_a_scope_the_client_lacks_is_invalid_scope(
    client: TestClient, make_client: MakeClient
) -> None:
    client_id, secret = make_client("maternal_health")
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "births:read audit:read",
        },
    )
    body = assert_problem(response, 400)
    assert body["error"] == "invalid_scope"
    assert "audit:read" in body["detail"]


def test_client_registered_with_fewer_scopes_gets_only_those(
    client: TestClient, make_client: MakeClient
) -> None:
    client_id, secret = make_client("public_security", scopes=["persons:read"])
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    assert response.json()["scope"] == "persons:read"


# -- staff password grant and lockout ----------------------------------------------------


def password_grant(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": password}
    )


def test_staff_password_grant_carries_role_department_and_role_scopes(
    client: TestClient, make_user: Callable[..., tuple[str, str]]
) -> None:
    username, password = make_user("reviewer", region="420202")
    response = password_grant(client, username, password)
    assert response.status_code == 200, response.text
    claims = claims_of(response.json()["access_token"])
    assert claims["sub"] == username
    assert claims["role"] == "reviewer"
    assert claims["dept"] == "health_commission"
    assert claims["region"] == "420202"
    assert claims["actor_type"] == "user"
    assert set(claims["scope"].split()) == {s.value for s in ROLE_SCOPES[Role.REVIEWER]}


def test_wrong_password_is_invalid_grant(
    client: TestClient, make_user: Callable[..., tuple[str, str]]
) -> None:
    username, _ = make_user("clerk")
    body = assert_problem(password_grant(client, username, "wrong password"), 400)
    assert body["error"] == "invalid_grant"


def test_five_failed_logins_lock_the_account_even_against_the_right_password(
    client: TestClient, make_user: Callable[..., tuple[str, str]], session: Session
) -> None:
    username, password = make_user("clerk")
    for _ in range(5):
        assert password_grant(client, username, "wrong password").status_code == 400
    # Locked is answered like a wrong password: the answer never tells an account is locked.
    body = assert_problem(password_grant(client, username, password), 400)
    assert body["error"] == "invalid_grant"
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).one()
    assert user.locked_until is not None
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)


def test_locked_account_logs_in_again_once_the_lock_has_passed(
    client: TestClient, make_user: Callable[..., tuple[str, str]], session: Session
) -> None:
    username, password = make_user("clerk")
    for _ in range(5):
        password_grant(client, username, "wrong password")
    assert password_grant(client, username, password).status_code == 400
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).one()
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.add(user)
    session.commit()
    assert password_grant(client, username, password).status_code == 200


def test_four_failures_then_success_resets_the_count(
    client: TestClient, make_user: Callable[..., tuple[str, str]]
) -> None:
    username, password = make_user("clerk")
    for _ in range(4):
        password_grant(client, username, "wrong password")
    assert password_grant(client, username, password).status_code == 200
    for _ in range(4):
        password_grant(client, username, "wrong password")
    assert password_grant(client, username, password).status_code == 200


# -- revocation and bearer authentication ------------------------------------------------


def test_request_without_a_token_is_401_with_www_authenticate_bearer(client: TestClient) -> None:
    response = client.post("/oauth/revoke", data={"jti": "x"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_token_signed_by_another_key_is_401(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    from api.security.keys import generate_pem

    genuine = claims_of(token_for("civil_affairs"))
    header = jwt.get_unverified_header(token_for("civil_affairs"))
    forged = jwt.encode(genuine, generate_pem().decode(), algorithm="ES256", headers=header)
    response = client.post(
        "/oauth/revoke", data={"jti": "x"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert_problem(response, 401)


def test_revoked_token_is_refused_with_401(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    token = token_for("maternal_health")
    headers = {"Authorization": f"Bearer {token}"}
    jti = claims_of(token)["jti"]
    response = client.post("/oauth/revoke", data={"jti": jti}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"revoked": jti}
    again = client.post("/oauth/revoke", data={"jti": jti}, headers=headers)
    assert "revoked" in assert_problem(again, 401)["detail"]
    assert again.headers["www-authenticate"].startswith("Bearer")


def test_a_token_can_be_revoked_by_presenting_it(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    doomed = token_for("civil_affairs")
    caller = token_for("civil_affairs")
    response = client.post(
        "/oauth/revoke", data={"token": doomed}, headers={"Authorization": f"Bearer {caller}"}
    )
    assert response.status_code == 200, response.text
    refused = client.post(
        "/oauth/revoke", data={"jti": "x"}, headers={"Authorization": f"Bearer {doomed}"}
    )
    assert_problem(refused, 401)


def test_another_clients_token_cannot_be_revoked_except_by_an_admin(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    victim = token_for("maternal_health")
    intruder = token_for("civil_affairs")
    response = client.post(
        "/oauth/revoke", data={"token": victim}, headers={"Authorization": f"Bearer {intruder}"}
    )
    assert_problem(response, 403)
    admin = token_for("admin", region="000000")
    response = client.post(
        "/oauth/revoke", data={"token": victim}, headers={"Authorization": f"Bearer {admin}"}
    )
    assert response.status_code == 200, response.text


# -- key set -----------------------------------------------------------------------------


def test_jwks_publishes_the_public_p256_key_that_tokens_name(
    client: TestClient, app: FastAPI, token_for: Callable[..., str]
) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC"
    assert key["crv"] == "P-256"
    assert key["alg"] == "ES256"
    assert key["use"] == "sig"
    assert "d" not in key
    assert key["kid"] == jwt.get_unverified_header(token_for("auditor"))["kid"]
    claims = jwt.decode(
        token_for("auditor"),
        key,
        algorithms=["ES256"],
        audience="vitalx-api",
        issuer="https://vitalx.local",
    )
    assert claims["dept"] == "auditor"
