"""Issue #9, defect 10 (part): a request without a valid token gets 401, whatever its body.

Before the fix FastAPI parsed and validated the body first, so a malformed body without a
token got 400/422 and told an anonymous caller about the body's rules.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.security.keys import generate_pem

TokenFor = Callable[..., str]
JSON = {"content-type": "application/json"}

MALFORMED = [
    ("POST", "/v1/births", b"{not json", JSON),
    ("POST", "/v1/persons/lookup", b'{"id_number": 5', JSON),
    ("POST", "/v1/persons/lookup", b'{"unknown": "field"}', JSON),
    ("PATCH", "/v1/persons/some-id", b"[1, 2", {**JSON, "if-match": '"1"'}),
    ("POST", "/v1/household-entries", b"\xff\xfe", JSON),
    ("POST", "/v1/marriages", b"null", JSON),
    ("POST", "/oauth/revoke", b"\xff", {"content-type": "multipart/form-data; boundary=x"}),
    ("GET", "/v1/persons?limit=not-a-number", b"", {}),
]


def forged_token(token_for: TokenFor) -> str:
    from jose import jwt

    genuine = token_for("public_security")
    header = jwt.get_unverified_header(genuine)
    claims = jwt.get_unverified_claims(genuine)
    return jwt.encode(claims, generate_pem().decode(), algorithm="ES256", headers=header)


def send(client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.request(method, path, content=body or None, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "headers"), MALFORMED)
def test_a_malformed_request_without_a_token_is_401(
    client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    response = send(client, method, path, body, headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body", "headers"), MALFORMED)
def test_a_malformed_request_with_a_forged_token_is_401(
    client: TestClient,
    token_for: TokenFor,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
) -> None:
    forged = {**headers, "authorization": f"Bearer {forged_token(token_for)}"}
    response = send(client, method, path, body, forged)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_malformed_request_with_a_revoked_token_is_401(
    client: TestClient, token_for: TokenFor
) -> None:
    from jose import jwt

    token = token_for("public_security")
    auth = {"authorization": f"Bearer {token}"}
    jti = jwt.get_unverified_claims(token)["jti"]
    assert client.post("/oauth/revoke", data={"jti": jti}, headers=auth).status_code == 200
    response = send(client, "POST", "/v1/persons/lookup", b"{bad", {**JSON, **auth})
    assert response.status_code == 401, response.text


def test_an_authenticated_malformed_request_still_gets_the_validation_answer(
    client: TestClient, token_for: TokenFor
) -> None:
    auth = {"authorization": f"Bearer {token_for('public_security')}"}
    response = send(client, "POST", "/v1/persons/lookup", b'{"unknown": 1}', {**JSON, **auth})
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"]


def test_a_public_route_keeps_its_validation_answer(client: TestClient) -> None:
    response = client.post("/oauth/token", data={})
    assert response.status_code in (400, 422), response.text
