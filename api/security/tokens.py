"""Issuing and verifying JWTs and JWS credentials: the only module that imports jose.

python-jose is lenient by default (a token without `exp` or `aud` passes, and a public key
can be used as an HS256 secret), so every check is explicit here and nowhere else.
"""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import jws, jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError

from api.security.keys import SigningKey

ALGORITHM = "ES256"
MAX_TOKEN_BYTES = 4096
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub", "jti")
# Headers that would let a token choose the key it is checked with.
FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """A token was refused; the message says which rule it broke."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed access token and what was put in it."""

    token: str
    jti: str
    expires_at: datetime
    claims: dict[str, Any]


def issue_access_token(
    key: SigningKey,
    *,
    subject: str,
    issuer: str,
    audience: str,
    ttl_seconds: int,
    extra_claims: dict[str, Any],
    now: datetime | None = None,
) -> IssuedToken:
    """Sign an ES256 access token carrying the required claims and `extra_claims`."""
    issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
    expires_at = issued_at + timedelta(seconds=ttl_seconds)
    jti = secrets.token_urlsafe(16)
    claims = {
        **extra_claims,
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": int(issued_at.timestamp()),
        "nbf": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": jti,
    }
    token = jwt.encode(
        claims, key.private_pem, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "at+jwt"}
    )
    return IssuedToken(token, jti, expires_at, claims)


def _checked_header(token: str, keys: dict[str, SigningKey]) -> SigningKey:
    if len(token.encode()) > MAX_TOKEN_BYTES:
        raise InvalidToken(f"token is longer than {MAX_TOKEN_BYTES} bytes")
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError as exc:
        raise InvalidToken("token is not a well-formed JWT") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"token algorithm must be {ALGORITHM}")
    forbidden = FORBIDDEN_HEADERS.intersection(header)
    if forbidden:
        raise InvalidToken(f"token header must not carry {', '.join(sorted(forbidden))}")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise InvalidToken("token key id is unknown")
    return keys[kid]


@dataclass(frozen=True)
class _Verified:
    token: str
    issuer: str
    audience: str
    key: SigningKey
    claims: dict[str, Any]
    valid_until: float


class VerifiedTokens:
    """Access tokens already verified, by signature, until they expire.

    A hit needs the very same token (compared in full), issuer, audience and key: the
    signature only finds the entry. Nothing a token says can change while it is valid,
    except its revocation, which is checked on every request elsewhere.
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        self._entries: dict[str, _Verified] = {}
        self._max_entries = max_entries

    def get(
        self, token: str, keys: dict[str, SigningKey], issuer: str, audience: str
    ) -> dict[str, Any] | None:
        """The claims of a token verified before and not yet expired, else None."""
        entry = self._entries.get(token.rpartition(".")[2])
        if (
            entry is None
            or entry.token != token
            or (entry.issuer, entry.audience) != (issuer, audience)
            or keys.get(entry.key.kid) is not entry.key
            or time.time() >= entry.valid_until
        ):
            return None
        return dict(entry.claims)

    def put(
        self, token: str, key: SigningKey, issuer: str, audience: str, claims: dict[str, Any]
    ) -> None:
        """Remember a token that has just passed every check."""
        if len(self._entries) >= self._max_entries:
            now = time.time()
            self._entries = {s: e for s, e in self._entries.items() if e.valid_until > now}
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
        valid_until = float(claims["exp"]) + LEEWAY_SECONDS
        entry = _Verified(token, issuer, audience, key, dict(claims), valid_until)
        self._entries[token.rpartition(".")[2]] = entry


_verified = VerifiedTokens()


def decode_access_token(
    token: str, *, keys: dict[str, SigningKey], issuer: str, audience: str
) -> dict[str, Any]:
    """Verify an access token and return its claims, or raise `InvalidToken`."""
    cached = _verified.get(token, keys, issuer, audience)
    if cached is not None:
        return cached
    key = _checked_header(token, keys)
    options = {f"require_{claim}": True for claim in REQUIRED_CLAIMS} | {
        "verify_signature": True,
        "verify_aud": True,
        "verify_iss": True,
        "verify_exp": True,
        "verify_iat": True,
        "verify_nbf": True,
        "verify_sub": True,
        "verify_jti": True,
        "leeway": LEEWAY_SECONDS,
    }
    try:
        claims = jwt.decode(
            token,
            key.public_pem,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options=options,
        )
    except ExpiredSignatureError as exc:
        raise InvalidToken("token has expired") from exc
    except JWTClaimsError as exc:
        raise InvalidToken(f"token claims are not acceptable: {exc}") from exc
    except JOSEError as exc:
        # jose reports a missing required claim with the same error as a bad signature.
        if "missing required key" in str(exc):
            raise InvalidToken(f"token lacks a required claim: {exc}") from exc
        raise InvalidToken("token signature is not valid") from exc
    missing = [claim for claim in REQUIRED_CLAIMS if claim not in claims]
    if missing:
        raise InvalidToken(f"token lacks required claims: {', '.join(missing)}")
    _verified.put(token, key, issuer, audience, claims)
    return dict(claims)


def sign_credential(key: SigningKey, payload: dict[str, Any]) -> str:
    """Sign a JSON credential as a compact JWS that anyone can check with the JWKS."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    signed: str = jws.sign(
        body.encode(),
        key.private_pem,
        headers={"kid": key.kid, "typ": "vc+jws"},
        algorithm=ALGORITHM,
    )
    return signed


def verify_credential(token: str, *, keys: dict[str, SigningKey]) -> dict[str, Any]:
    """Verify a credential signed by `sign_credential` and return its payload."""
    key = _checked_header(token, keys)
    try:
        payload = jws.verify(token, key.public_pem, algorithms=[ALGORITHM])
    except JOSEError as exc:
        raise InvalidToken("credential signature is not valid") from exc
    result: dict[str, Any] = json.loads(payload)
    return result
