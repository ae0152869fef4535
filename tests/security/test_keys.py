"""The ES256 signing key file: generated once, private to its owner, never replaced."""

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.security.keys import SigningKeyMissing, load_signing_key, signing_key_from_pem


def kid_of(path: Path) -> str:
    return load_signing_key(path, generate=True).kid


def test_a_missing_key_is_generated_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing-key.pem"
    key = load_signing_key(path, generate=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_signing_key(path, generate=True).kid == key.kid
    assert list(path.parent.iterdir()) == [path]


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    with ProcessPoolExecutor(4) as pool:
        kids = set(pool.map(kid_of, [path] * 16))
    assert len(kids) == 1
    assert list(tmp_path.iterdir()) == [path]


def test_a_missing_key_is_an_error_when_generation_is_off(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyMissing, match="VITALX_SIGNING_KEY_FILE"):
        load_signing_key(tmp_path / "absent.pem", generate=False)


def test_a_key_on_another_curve_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="P-256"):
        signing_key_from_pem(pem)
