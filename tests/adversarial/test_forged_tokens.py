"""The forged-token set against every protected route (issue #9, the adversarial suite).

A route is protected when it answers 401 without a token; every such route, whatever its
path or method, must answer 401 to each forgery as well, and not to the genuine token the
forgeries are made from (which proves the forgeries fail for the reason they are built for).
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.security.keys import SigningKey, generate_pem, signing_key_from_pem
from tests.conftest import Credentials
from tests.security.test_tokens import b64url, es256, segment

PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def _routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
                    yield method, prefix + route.path

    yield from walk(app.routes, "")


def _concrete(path: str) -> str:
    parts = [PLACEHOLDER if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


def forgeries(key: SigningKey, genuine: str) -> dict[str, str]:
    """Tokens that differ from `genuine` in one way each, and must all be refused."""
    claims = _claims(genuine)
    header = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid}
    now = int(time.time())
    hs_input = f"{segment({**header, 'alg': 'HS256'})}.{segment(claims)}"
    hs_mac = hmac.new(key.public_pem.encode(), hs_input.encode(), hashlib.sha256).digest()
    genuine_header, _, genuine_signature = genuine.split(".")
    widened = {**claims, "scope": claims["scope"] + " audit:read", "region": "000000"}
    impostor = signing_key_from_pem(generate_pem())
    return {
        "alg none": f"{segment({**header, 'alg': 'none'})}.{segment(claims)}.",
        "HS256 with the public key": f"{hs_input}.{b64url(hs_mac)}",
        "expired": es256(key, header, {**claims, "iat": now - 7200, "exp": now - 3600}),
        "not yet valid": es256(key, header, {**claims, "nbf": now + 3600, "exp": now + 7200}),
        "another audience": es256(key, header, {**claims, "aud": "another-api"}),
        "another issuer": es256(key, header, {**claims, "iss": "https://elsewhere.example"}),
        "tampered payload": f"{genuine_header}.{segment(widened)}.{genuine_signature}",
        "unknown kid": es256(key, {**header, "kid": "some-other-key"}, claims),
        "another key, our kid": es256(impostor, header, claims),
        "key in the header": es256(key, {**header, "jwk": impostor.public_jwk}, claims),
        "garbage": "eyJ.eyJ.x",
    }


@pytest.fixture
def genuine(credentials: Credentials) -> str:
    return credentials.token_for("admin", "000000")


def test_every_protected_route_refuses_every_forged_token(
    app: FastAPI, client: TestClient, genuine: str
) -> None:
    key: SigningKey = app.state.signing_key
    forged = forgeries(key, genuine)
    protected = []
    accepted = []
    for method, path in _routes(app):
        url = _concrete(path)
        if client.request(method, url).status_code != 401:
            continue
        protected.append((method, path))
        genuine_status = _status(client, method, url, genuine)
        assert genuine_status != 401, f"{method} {path} refused the genuine token"
        for name, token in forged.items():
            status = _status(client, method, url, token)
            if status != 401:
                accepted.append(f"{method} {path} with {name}: {status}")
    assert len(protected) > 40, protected
    assert accepted == []


def _status(client: TestClient, method: str, url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.request(method, url, headers=headers).status_code
