"""Argon2id hashing for staff passwords and client secrets."""

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2-cffi's defaults are RFC 9106's Argon2id profile


def hash_secret(secret: str) -> str:
    """Hash a password or client secret with Argon2id."""
    return _hasher().hash(secret)


def verify_secret(secret_hash: str, secret: str) -> bool:
    """Tell whether `secret` matches `secret_hash`, in constant time."""
    try:
        return _hasher().verify(secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash of a random value, verified against when a login names an unknown account, so
# that unknown and known accounts take the same time to refuse.
@cache
def decoy_hash() -> str:
    """Return a hash that no secret matches."""
    return hash_secret(secrets.token_urlsafe(32))


def new_client_secret() -> str:
    """Return a random 256-bit client secret, shown once and stored only hashed."""
    return secrets.token_urlsafe(32)
