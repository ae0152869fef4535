"""Credentials, logins and token claims (interface §3), free of HTTP (issuing: issued_tokens)."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, select

from api.access.issued_tokens import revoke_holder_tokens
from api.access.policy import (
    DEPARTMENT_PURPOSES,
    DEPARTMENT_SCOPES,
    ROLE_DEPARTMENT,
    ROLE_SCOPES,
    Department,
    Purpose,
    Role,
    Scope,
)
from api.access.principal import ActorType, Principal
from api.config import Settings
from api.models import Client, RevokedToken, StaffUser
from api.models.types import utcnow
from api.security.passwords import decoy_hash, hash_secret, new_client_secret, verify_secret


class AuthError(Exception):
    """A login or token request was refused; `error` is the OAuth 2.0 error code."""

    def __init__(self, error: str, detail: str, *, status: int = 400) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail
        self.status = status


class AccountError(ValueError):
    """A client or staff user cannot be created as asked; `field` names the bad input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


MIN_PASSWORD_LENGTH = 8


def check_password(password: str) -> None:
    """Refuse a staff password that breaks the password policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _within_department(
    department: Department, scopes: list[Scope], purposes: list[Purpose]
) -> None:
    """A client holds only scopes and purposes its department may have (interface §3, §8)."""
    outside = [s.value for s in scopes if s not in DEPARTMENT_SCOPES[department]]
    if outside:
        raise AccountError(
            "scopes",
            f"{' '.join(outside)} not among the {department.value} scopes "
            f"({' '.join(DEPARTMENT_SCOPES[department])})",
        )
    outside = [p.value for p in purposes if p not in DEPARTMENT_PURPOSES[department]]
    if outside:
        raise AccountError(
            "purposes",
            f"{' '.join(outside)} not allowed for {department.value} "
            f"({' '.join(DEPARTMENT_PURPOSES[department])})",
        )


@dataclass(frozen=True)
class NewClient:
    """A created client and its secret, which exists nowhere else once shown."""

    client: Client
    client_secret: str


def create_client(
    session: Session,
    *,
    name: str,
    department: Department,
    region: str,
    scopes: list[Scope] | None = None,
    purposes: list[Purpose] | None = None,
) -> NewClient:
    """Register a department system with its department's default scopes and purposes."""
    chosen_scopes = list(scopes or DEPARTMENT_SCOPES[department])
    chosen_purposes = list(purposes or DEPARTMENT_PURPOSES[department])
    _within_department(department, chosen_scopes, chosen_purposes)
    secret = new_client_secret()
    client = Client(
        client_id=f"{department.value.replace('_', '-')}-{secrets.token_hex(6)}",
        name=name,
        department=department.value,
        region=region,
        scopes=[s.value for s in chosen_scopes],
        purposes=[p.value for p in chosen_purposes],
        secret_hash=hash_secret(secret),
    )
    session.add(client)
    session.flush()
    return NewClient(client, secret)


def create_staff_user(
    session: Session, *, username: str, password: str, role: Role, region: str
) -> StaffUser:
    """Create a staff user; the password is stored only as an Argon2id hash."""
    check_password(password)
    if session.exec(select(StaffUser).where(StaffUser.username == username)).first():
        raise AccountError("username", f"user {username} already exists")
    user = StaffUser(
        username=username, role=role.value, region=region, password_hash=hash_secret(password)
    )
    session.add(user)
    session.flush()
    return user


def authenticate_client(session: Session, *, client_id: str, client_secret: str) -> Principal:
    """Check client credentials and return the client as a principal."""
    # A name with control characters names no account (and PostgreSQL refuses NUL bytes).
    query = select(Client).where(Client.client_id == client_id)
    client = session.exec(query).first() if client_id.isprintable() else None
    if not verify_secret(client.secret_hash if client else decoy_hash(), client_secret):
        raise AuthError("invalid_client", "client authentication failed", status=401)
    assert client is not None
    if client.disabled:
        raise AuthError("invalid_client", "client is disabled", status=401)
    department = Department(client.department)
    return Principal(
        subject=client.client_id,
        actor_type=ActorType.CLIENT.value,
        department=department,
        region=client.region,
        scopes=frozenset(Scope(s) for s in client.scopes),
        purposes=tuple(Purpose(p) for p in client.purposes),
        jti="",
    )


# One answer for a wrong password, an unknown username and a locked account, so that none
# of them tells which it was (the status and the work done are the same too).
LOGIN_REFUSED = "username or password is wrong, or the account is locked for a while"


def _locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _count_failure(session: Session, user: StaffUser, *, now: datetime, settings: Settings) -> None:
    """Count a wrong password; the last one allowed locks the account and ends its tokens."""
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        user.failed_logins = 0
        revoke_holder_tokens(session, subject=user.username, actor_type=ActorType.USER)
    session.add(user)


def authenticate_user(
    session: Session, *, username: str, password: str, settings: Settings
) -> Principal:
    """Check a staff login, locking the account after repeated failures.

    The account's row is locked for the check (`SELECT ... FOR UPDATE`; SQLite serialises
    writers anyway), so concurrent guesses are checked and counted one after another and
    none is checked once the account is locked. An unknown or locked username is refused
    like a wrong password, after the same hash verification (against a decoy).
    The failure count is changed on the session even when this raises, so the caller
    must commit it before answering.
    """
    now = utcnow()
    query = select(StaffUser).where(StaffUser.username == username).with_for_update()
    found = session.exec(query).first() if username.isprintable() else None
    user = found if found is not None and not _locked(found, now) else None
    if user is None:
        verify_secret(decoy_hash(), password)
        raise AuthError("invalid_grant", LOGIN_REFUSED, status=400)
    if not verify_secret(user.password_hash, password):
        _count_failure(session, user, now=now, settings=settings)
        raise AuthError("invalid_grant", LOGIN_REFUSED, status=400)
    if user.disabled:
        raise AuthError("invalid_grant", "account is disabled", status=400)
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    role = Role(user.role)
    department = ROLE_DEPARTMENT[role]
    return Principal(
        subject=user.username,
        actor_type=ActorType.USER.value,
        department=department,
        region=user.region,
        scopes=frozenset(ROLE_SCOPES[role]),
        purposes=DEPARTMENT_PURPOSES[department],
        jti="",
        role=role.value,
    )


def set_password(session: Session, *, username: str, password: str) -> StaffUser:
    """Give a staff user a new password: it unlocks the account and ends its tokens."""
    check_password(password)
    query = select(StaffUser).where(StaffUser.username == username).with_for_update()
    user = session.exec(query).first()
    if user is None:
        raise AccountError("username", f"no user {username}")
    user.password_hash = hash_secret(password)
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    revoke_holder_tokens(session, subject=user.username, actor_type=ActorType.USER)
    return user


def narrow_scopes(principal: Principal, requested: str | None) -> frozenset[Scope]:
    """Return the scopes a token gets: all the holder's, or the requested subset."""
    if not requested:
        return principal.scopes
    wanted = set(requested.split())
    unknown = wanted - {s.value for s in principal.scopes}
    if unknown:
        raise AuthError("invalid_scope", f"scope not granted: {' '.join(sorted(unknown))}")
    return frozenset(Scope(s) for s in wanted)


def principal_from_claims(claims: dict[str, object]) -> Principal:
    """Rebuild the principal a verified token speaks for."""
    try:
        raw_purposes = claims.get("purposes") or []
        assert isinstance(raw_purposes, list)
        return _principal(
            str(claims["sub"]),
            str(claims.get("actor_type", "client")),
            str(claims["dept"]),
            str(claims["region"]),
            str(claims.get("scope", "")),
            tuple(str(p) for p in raw_purposes),
            str(claims["jti"]),
            str(claims["role"]) if claims.get("role") else None,
        )
    except (KeyError, ValueError, AssertionError) as exc:
        raise AuthError("invalid_token", "token claims are malformed", status=401) from exc


# Every request of a token rebuilds the same principal: the enum look-ups are done once.
@lru_cache(maxsize=4096)
def _principal(
    subject: str,
    actor_type: str,
    department: str,
    region: str,
    scope: str,
    purposes: tuple[str, ...],
    jti: str,
    role: str | None,
) -> Principal:
    return Principal(
        subject=subject,
        actor_type=actor_type,
        department=Department(department),
        region=region,
        scopes=frozenset(Scope(s) for s in scope.split()),
        purposes=tuple(Purpose(p) for p in purposes),
        jti=jti,
        role=role,
    )


def is_revoked(session: Session, *, jti: str) -> bool:
    """Tell whether the token with this `jti` has been revoked."""
    return session.get(RevokedToken, jti) is not None
