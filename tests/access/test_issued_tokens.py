"""Issued tokens are recorded with their holder; revocation asks who holds them."""

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import Session, func, select

from api.access import issued_tokens
from api.access.policy import Scope
from api.config import Settings
from api.models import IssuedAccessToken, RevokedToken
from api.models.types import utcnow
from api.security.keys import SigningKey
from api.security.tokens import IssuedToken
from tests.factories import access_for


def _issue(
    session: Session, settings: Settings, key: SigningKey, holder: str = "maternal_health"
) -> IssuedToken:
    principal = access_for(holder).principal
    return issued_tokens.issue_token(
        session, principal, scopes=frozenset({Scope.BIRTHS_READ}), key=key, settings=settings
    )


@pytest.fixture
def key(app: FastAPI) -> SigningKey:
    signing_key: SigningKey = app.state.signing_key
    return signing_key


def revoked(session: Session) -> set[str]:
    return set(session.exec(select(RevokedToken.jti)).all())


def test_issuing_records_the_holder_and_sweeps_its_expired_records(
    session: Session, settings: Settings, key: SigningKey
) -> None:
    old = _issue(session, settings, key)
    record = session.get(IssuedAccessToken, old.jti)
    assert record is not None
    record.expires_at = utcnow() - timedelta(seconds=1)
    session.add(record)
    session.flush()
    new = _issue(session, settings, key)
    session.flush()
    assert session.get(IssuedAccessToken, new.jti) is not None
    assert session.exec(select(func.count()).select_from(IssuedAccessToken)).one() == 1


def test_revoking_by_jti_needs_the_holder_or_an_admin(
    session: Session, settings: Settings, key: SigningKey
) -> None:
    issued = _issue(session, settings, key)
    session.flush()
    stranger = access_for("civil_affairs").principal
    assert not issued_tokens.revoke_jti(session, jti=issued.jti, caller=stranger)
    assert revoked(session) == set()
    holder = access_for("maternal_health").principal
    assert issued_tokens.revoke_jti(session, jti=issued.jti, caller=holder)
    session.flush()
    assert revoked(session) == {issued.jti}


@pytest.mark.parametrize("jti", ["", "never-issued", "a\x00b", "x" * 65, "é"])
def test_a_jti_that_was_never_issued_is_not_stored(session: Session, jti: str) -> None:
    admin = access_for("admin", "000000").principal
    assert not issued_tokens.revoke_jti(session, jti=jti, caller=admin)
    session.flush()
    assert revoked(session) == set()


def test_the_holders_live_tokens_are_revoked_together(
    session: Session, settings: Settings, key: SigningKey
) -> None:
    mine = {_issue(session, settings, key).jti for _ in range(3)}
    theirs = _issue(session, settings, key, holder="civil_affairs").jti
    session.flush()
    holder = access_for("maternal_health").principal
    count = issued_tokens.revoke_holder_tokens(
        session, subject=holder.subject, actor_type=holder.actor_type
    )
    session.flush()
    assert count == 3
    assert revoked(session) == mine
    assert theirs not in revoked(session)
