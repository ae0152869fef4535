"""Access tokens: one refusal per rule of `api.security.tokens`, and an independent check.

Bad tokens are forged by hand (header, claims and signature built here) so that no JOSE
library's own checks stand between the forgery and the rule under test.
"""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from api.security import tokens
from api.security.keys import SigningKey, generate_pem, jwks, signing_key_from_pem
from api.security.tokens import (
    MAX_TOKEN_BYTES,
    InvalidToken,
    decode_access_token,
    issue_access_token,
    sign_credential,
    verify_credential,
)

ISSUER = "https://vitalx.local"
AUDIENCE = "vitalx-api"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return signing_key_from_pem(generate_pem())


@pytest.fixture(scope="module")
def keys(key: SigningKey) -> dict[str, SigningKey]:
    return {key.kid: key}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "maternal-health-0001",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "jti-0001",
        "dept": "maternal_health",
        "region": "420200",
        "scope": "births:read",
    }
    return {k: v for k, v in (base | overrides).items() if v is not None}


def es256(key: SigningKey, header: dict[str, Any], body: dict[str, Any]) -> str:
    """Sign a JWT by hand with the P-256 key (raw r||s signature, RFC 7518 §3.4)."""
    signing_input = f"{segment(header)}.{segment(body)}".encode()
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return signing_input.decode() + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def forged(key: SigningKey, body: dict[str, Any] | None = None, **header: Any) -> str:
    return es256(key, {"alg": "ES256", "typ": "at+jwt", "kid": key.kid, **header}, body or claims())


def decode(token: str, keys: dict[str, SigningKey]) -> dict[str, Any]:
    return decode_access_token(token, keys=keys, issuer=ISSUER, audience=AUDIENCE)


def test_hand_signed_token_with_every_rule_met_is_accepted(key: SigningKey, keys: dict) -> None:
    assert decode(forged(key), keys)["sub"] == "maternal-health-0001"


def test_issued_token_verifies_with_the_published_jwk_alone(key: SigningKey, keys: dict) -> None:
    issued = issue_access_token(
        key,
        subject="civil-affairs-1",
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl_seconds=900,
        extra_claims={"dept": "civil_affairs"},
    )
    header_b64, body_b64, signature_b64 = issued.token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header == {"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}
    (jwk,) = [k for k in jwks([key])["keys"] if k["kid"] == header["kid"]]
    assert "d" not in jwk
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"),
        int.from_bytes(b64url_decode(jwk["y"]), "big"),
        ec.SECP256R1(),
    ).public_key()
    raw = b64url_decode(signature_b64)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header_b64}.{body_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    body = json.loads(b64url_decode(body_b64))
    assert body["exp"] - body["iat"] == 900
    assert {"iss", "aud", "sub", "jti", "exp", "iat"} <= body.keys()


def test_kid_is_the_rfc7638_thumbprint_of_the_public_key(key: SigningKey) -> None:
    jwk = key.public_jwk
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    assert key.kid == b64url(hashlib.sha256(canonical.encode()).digest())


def test_token_with_alg_none_is_refused(key: SigningKey, keys: dict) -> None:
    token = f"{segment({'alg': 'none', 'kid': key.kid})}.{segment(claims())}."
    with pytest.raises(InvalidToken, match="algorithm"):
        decode(token, keys)


def test_token_signed_hs256_with_the_public_key_is_refused(key: SigningKey, keys: dict) -> None:
    signing_input = f"{segment({'alg': 'HS256', 'kid': key.kid})}.{segment(claims())}"
    mac = hmac.new(key.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="algorithm"):
        decode(f"{signing_input}.{b64url(mac)}", keys)


def test_token_signed_by_another_key_with_our_kid_is_refused(key: SigningKey, keys: dict) -> None:
    impostor = signing_key_from_pem(generate_pem())
    token = es256(impostor, {"alg": "ES256", "kid": key.kid}, claims())
    with pytest.raises(InvalidToken, match="signature"):
        decode(token, keys)


def test_token_with_a_tampered_payload_is_refused(key: SigningKey, keys: dict) -> None:
    header, _, signature = forged(key).split(".")
    widened = segment(claims(scope="births:read births:write audit:read"))
    with pytest.raises(InvalidToken, match="signature"):
        decode(f"{header}.{widened}.{signature}", keys)


def test_token_with_a_flipped_signature_bit_is_refused(key: SigningKey, keys: dict) -> None:
    header, body, signature = forged(key).split(".")
    raw = bytearray(b64url_decode(signature))
    raw[-1] ^= 1
    with pytest.raises(InvalidToken, match="signature"):
        decode(f"{header}.{body}.{b64url(bytes(raw))}", keys)


def test_expired_token_is_refused(key: SigningKey, keys: dict) -> None:
    past = int(time.time()) - 3600
    token = forged(key, claims(iat=past - 900, nbf=past - 900, exp=past))
    with pytest.raises(InvalidToken, match="expired"):
        decode(token, keys)


def test_token_not_yet_valid_is_refused(key: SigningKey, keys: dict) -> None:
    later = int(time.time()) + 3600
    with pytest.raises(InvalidToken, match="not yet valid"):
        decode(forged(key, claims(nbf=later, exp=later + 900)), keys)


def test_token_for_another_audience_is_refused(key: SigningKey, keys: dict) -> None:
    with pytest.raises(InvalidToken, match="claims"):
        decode(forged(key, claims(aud="another-api")), keys)


def test_token_from_another_issuer_is_refused(key: SigningKey, keys: dict) -> None:
    with pytest.raises(InvalidToken, match="claims"):
        decode(forged(key, claims(iss="https://elsewhere.example")), keys)


@pytest.mark.parametrize("claim", ["exp", "iat", "aud", "iss", "sub", "jti"])
def test_token_without_a_required_claim_is_refused(claim: str, key: SigningKey, keys: dict) -> None:
    with pytest.raises(InvalidToken, match=f"required claim.*{claim}"):
        decode(forged(key, claims(**{claim: None})), keys)


def test_token_with_an_unknown_kid_is_refused(key: SigningKey, keys: dict) -> None:
    with pytest.raises(InvalidToken, match="key id"):
        decode(forged(key, kid="some-other-key"), keys)


def test_token_without_a_kid_is_refused(key: SigningKey, keys: dict) -> None:
    token = es256(key, {"alg": "ES256"}, claims())
    with pytest.raises(InvalidToken, match="key id"):
        decode(token, keys)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("jku", "https://attacker.example/jwks.json"),
        ("x5u", "https://attacker.example/cert.pem"),
        ("jwk", {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
        ("x5c", ["MIIB"]),
        ("crit", ["exp"]),
    ],
)
def test_token_whose_header_chooses_its_key_is_refused(
    name: str, value: Any, key: SigningKey, keys: dict
) -> None:
    with pytest.raises(InvalidToken, match=name):
        decode(forged(key, **{name: value}), keys)


def test_token_over_4_kib_is_refused_before_parsing(key: SigningKey, keys: dict) -> None:
    token = forged(key, claims(padding="x" * MAX_TOKEN_BYTES))
    with pytest.raises(InvalidToken, match="longer than"):
        decode(token, keys)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "eyJ.eyJ.x"])
def test_malformed_token_is_refused(garbage: str, keys: dict) -> None:
    with pytest.raises(InvalidToken):
        decode(garbage, keys)


def test_credential_round_trips_and_refuses_a_changed_payload(key: SigningKey, keys: dict) -> None:
    credential = sign_credential(key, {"certificate_no": "HB2026000001", "holder": "王芳"})
    assert verify_credential(credential, keys=keys)["holder"] == "王芳"
    header, _, signature = credential.split(".")
    changed = b64url(json.dumps({"certificate_no": "HB2026000001", "holder": "李娜"}).encode())
    with pytest.raises(InvalidToken):
        verify_credential(f"{header}.{changed}.{signature}", keys=keys)


# -- the verification cache: a token verified once is not verified again while valid ------


def test_a_verified_token_is_not_verified_again(
    key: SigningKey, keys: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = forged(key, claims(jti="cached-1"))
    first = decode(token, keys)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("verified twice")

    monkeypatch.setattr(tokens.jwt, "decode", refuse)
    assert decode(token, keys) == first


def test_a_cached_tokens_signature_with_another_payload_is_refused(
    key: SigningKey, keys: dict
) -> None:
    token = forged(key, claims(jti="cached-2"))
    decode(token, keys)
    header, _, signature = token.split(".")
    widened = segment(claims(jti="cached-2", region="000000"))
    with pytest.raises(InvalidToken, match="signature"):
        decode(f"{header}.{widened}.{signature}", keys)


def test_the_cache_forgets_a_token_once_it_has_expired(
    key: SigningKey, keys: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tokens.VerifiedTokens()
    body = claims(jti="cached-3", exp=int(time.time()) + 60)
    token = forged(key, body)
    cache.put(token, key, ISSUER, AUDIENCE, body)
    assert cache.get(token, keys, ISSUER, AUDIENCE) == body
    # jose allows the same leeway; past it, the token is verified afresh (and refused).
    later = time.time() + 60 + tokens.LEEWAY_SECONDS
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    assert cache.get(token, keys, ISSUER, AUDIENCE) is None


def test_a_cached_token_is_not_accepted_for_another_audience(key: SigningKey, keys: dict) -> None:
    token = forged(key, claims(jti="cached-4"))
    decode(token, keys)
    with pytest.raises(InvalidToken):
        decode_access_token(token, keys=keys, issuer=ISSUER, audience="another-api")


def test_a_cached_token_is_refused_once_its_key_is_withdrawn(key: SigningKey, keys: dict) -> None:
    token = forged(key, claims(jti="cached-5"))
    decode(token, keys)
    other = signing_key_from_pem(generate_pem())
    with pytest.raises(InvalidToken, match="key id"):
        decode(token, {other.kid: other})
