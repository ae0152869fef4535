"""The ES256 signing key: loaded from a PEM file, generated on first start in development."""

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class SigningKeyMissing(RuntimeError):
    """The configured signing key file does not exist and may not be generated."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """A P-256 private key with its RFC 7638 thumbprint as `kid`."""

    private_pem: str
    public_pem: str
    public_jwk: dict[str, str]

    @property
    def kid(self) -> str:
        """The key id published in the JWKS and every token header."""
        return self.public_jwk["kid"]


def _public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    members = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    # RFC 7638: the thumbprint hashes the required members in lexical order, no spaces.
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    kid = _b64url(hashlib.sha256(canonical).digest())
    return {**members, "kid": kid, "use": "sig", "alg": "ES256"}


def signing_key_from_pem(pem: bytes) -> SigningKey:
    """Build a signing key from a PEM-encoded P-256 private key."""
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ValueError("the signing key must be an EC P-256 private key (ES256)")
    public_key = private_key.public_key()
    public_pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return SigningKey(pem.decode(), public_pem, _public_jwk(public_key))


def generate_pem() -> bytes:
    """Generate a new P-256 private key as unencrypted PKCS#8 PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(path: Path, *, generate: bool) -> SigningKey:
    """Load the key at `path`, creating it (mode 0600) first when `generate` allows."""
    if not path.exists():
        if not generate:
            raise SigningKeyMissing(
                f"signing key {path} does not exist; set VITALX_SIGNING_KEY_FILE to a P-256 PEM"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several workers may start at once: each writes its own file and links it into
        # place, so that exactly one key wins and nobody reads a half-written file.
        staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(generate_pem())
        try:
            os.link(staged, path)
        except FileExistsError:
            pass
        finally:
            staged.unlink()
    return signing_key_from_pem(path.read_bytes())


def jwks(keys: list[SigningKey]) -> dict[str, Any]:
    """Return the JSON Web Key Set of the public halves of `keys`."""
    return {"keys": [key.public_jwk for key in keys]}
