"""Issued access tokens: signing them, recording whose each is, and revoking them.

Every issued token's `jti` is recorded with its holder (subject and kind of actor) until it
expires, so that a `jti` is revoked only by its holder or an administrator, a `jti` that
was never issued is not stored, and a lock or a password change revokes every live token
of the account. Revocations are `revoked_token` rows, all written by `_revoke`.
"""

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from api.access.policy import Department, Scope
from api.access.principal import Principal
from api.access.revocation import note_revoked
from api.config import Settings
from api.models import IssuedAccessToken, RevokedToken
from api.models.types import utcnow
from api.security.keys import SigningKey
from api.security.tokens import IssuedToken, issue_access_token


def issue_token(
    session: Session,
    principal: Principal,
    *,
    scopes: frozenset[Scope],
    key: SigningKey,
    settings: Settings,
) -> IssuedToken:
    """Sign an access token for a principal and record whose it is until it expires."""
    claims: dict[str, object] = {
        "dept": principal.department.value,
        "region": principal.region,
        "scope": " ".join(sorted(s.value for s in scopes)),
        "purposes": [p.value for p in principal.purposes],
        "actor_type": principal.actor_type,
    }
    if principal.role:
        claims["role"] = principal.role
    issued = issue_access_token(
        key,
        subject=principal.subject,
        issuer=settings.issuer,
        audience=settings.audience,
        ttl_seconds=settings.token_ttl_seconds,
        extra_claims=claims,
    )
    holder = _holder(principal.subject, principal.actor_type)
    # The holder's expired records are of no more use: each issue sweeps them.
    session.execute(delete(IssuedAccessToken).where(*holder, _expired()))
    session.add(
        IssuedAccessToken(
            jti=issued.jti,
            subject=principal.subject,
            actor_type=principal.actor_type,
            expires_at=issued.expires_at,
        )
    )
    return issued


# What `secrets.token_urlsafe(16)` makes; anything else was never issued here.
_JTI = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _holder(subject: str, actor_type: str) -> tuple[Any, ...]:
    return (
        col(IssuedAccessToken.actor_type) == actor_type,
        col(IssuedAccessToken.subject) == subject,
    )


def _expired() -> Any:
    return col(IssuedAccessToken.expires_at) <= utcnow()


def may_revoke(caller: Principal, *, subject: str, actor_type: str) -> bool:
    """A token is revoked by its holder (same subject and kind of actor) or an admin."""
    if caller.department == Department.ADMIN:
        return True
    return (caller.subject, caller.actor_type) == (subject, actor_type)


def _revoke(session: Session, *, jti: str, expires_at: datetime) -> None:
    note_revoked(jti, expires_at)  # refused in this process at once, elsewhere within 2 s
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=expires_at))


def revoke_jti(session: Session, *, jti: str, caller: Principal) -> bool:
    """Revoke the issued token `jti` when `caller` may; tell whether it was revoked.

    A `jti` that was never issued, or is another holder's, is not stored (RFC 7009 §2.2:
    the caller gets the same answer either way, so that a `jti`'s existence is not told).
    """
    if not _JTI.fullmatch(jti):
        return False
    issued = session.get(IssuedAccessToken, jti)
    if issued is None or not may_revoke(
        caller, subject=issued.subject, actor_type=issued.actor_type
    ):
        return False
    _revoke(session, jti=jti, expires_at=issued.expires_at)
    return True


def revoke_presented(session: Session, *, claims: dict[str, Any], caller: Principal) -> bool:
    """Revoke a verified token that the caller presents (RFC 7009 `token`) when it may.

    The holder is read from the token itself; `False` means the caller may not revoke it.
    """
    subject, actor_type = str(claims["sub"]), str(claims.get("actor_type", "client"))
    if not may_revoke(caller, subject=subject, actor_type=actor_type):
        return False
    _revoke(
        session, jti=str(claims["jti"]), expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC)
    )
    return True


def revoke_holder_tokens(session: Session, *, subject: str, actor_type: str) -> int:
    """Revoke every live token issued to a holder (after a lock or a password change)."""
    live = session.exec(
        select(IssuedAccessToken).where(*_holder(subject, actor_type), ~_expired())
    ).all()
    for issued in live:
        _revoke(session, jti=issued.jti, expires_at=issued.expires_at)
    return len(live)
