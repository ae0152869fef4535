"""Staff logins and passwords: a new password unlocks and ends tokens; odd names match none."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from api.access import accounts
from api.access.policy import Role
from api.config import Settings
from api.models import IssuedAccessToken, RevokedToken, StaffUser
from api.models.types import utcnow


def test_a_new_password_unlocks_the_account_and_revokes_its_tokens(
    session: Session, settings: Settings
) -> None:
    user = accounts.create_staff_user(
        session, username="wang", password="first password", role=Role.CLERK, region="420200"
    )
    user.failed_logins, user.locked_until = 3, utcnow() + timedelta(minutes=5)
    session.add(
        IssuedAccessToken(
            jti="tok-of-wang",
            subject="wang",
            actor_type="user",
            expires_at=utcnow() + timedelta(minutes=10),
        )
    )
    session.flush()
    accounts.set_password(session, username="wang", password="second password")
    session.flush()
    stored = session.exec(select(StaffUser).where(StaffUser.username == "wang")).one()
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    assert set(session.exec(select(RevokedToken.jti)).all()) == {"tok-of-wang"}
    assert (
        accounts.authenticate_user(
            session, username="wang", password="second password", settings=settings
        ).subject
        == "wang"
    )
    with pytest.raises(accounts.AccountError):
        accounts.set_password(session, username="wang", password="short")
    with pytest.raises(accounts.AccountError):
        accounts.set_password(session, username="nobody", password="long enough")


def test_a_username_with_control_characters_names_no_account(
    session: Session, settings: Settings
) -> None:
    with pytest.raises(accounts.AuthError) as refused:
        accounts.authenticate_user(session, username="a\x00b", password="x", settings=settings)
    assert refused.value.detail == accounts.LOGIN_REFUSED
    with pytest.raises(accounts.AuthError):
        accounts.authenticate_client(session, client_id="a\x00b", client_secret="x")
