"""Issue #9, defect 1: parallel guesses must not outrun the lockout, and a lock ends tokens.

Before the fix, 30 parallel wrong passwords each read the same `failed_logins` and all 30
were checked before the account locked (on PostgreSQL; SQLite serialises writers).
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.access import accounts
from api.models import StaffUser
from api.security import passwords
from tests.conftest import STAFF_PASSWORD

MakeUser = Callable[..., tuple[str, str]]
PARALLEL = 30


def password_grant(client: TestClient, username: str, password: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": password}
    )


def stored_user(session: Session, username: str) -> tuple[str, Any]:
    """(password hash, locked until) as stored now, in a read that ends at once (on SQLite
    an open transaction would hold the write lock the logins wait for)."""
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).one()
    values = (user.password_hash, user.locked_until)
    session.rollback()
    return values


@pytest.fixture
def checked_hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every hash a login verifies against, slowly, as Argon2id does in production."""
    seen: list[str] = []
    lock = threading.Lock()

    def slow_verify(secret_hash: str, secret: str) -> bool:
        with lock:
            seen.append(secret_hash)
        time.sleep(0.03)
        return passwords.verify_secret(secret_hash, secret)

    monkeypatch.setattr(accounts, "verify_secret", slow_verify)
    return seen


def in_parallel(count: int, call: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_thirty_parallel_wrong_passwords_check_no_more_than_the_allowed_five(
    client: TestClient, make_user: MakeUser, session: Session, checked_hashes: list[str]
) -> None:
    username, password = make_user("clerk")
    real, _ = stored_user(session, username)

    answers = in_parallel(PARALLEL, lambda: password_grant(client, username, "wrong password"))

    assert sorted({a.status_code for a in answers}) == [400]
    assert checked_hashes.count(real) == 5, "guesses were checked past the lock"
    assert len(checked_hashes) == PARALLEL  # the refused ones cost the same (a decoy hash)
    locked = password_grant(client, username, password)
    assert locked.status_code == 400
    assert stored_user(session, username)[1] is not None


def test_unknown_and_locked_usernames_answer_like_a_wrong_password(
    client: TestClient, make_user: MakeUser, session: Session, checked_hashes: list[str]
) -> None:
    username, password = make_user("clerk")
    wrong = password_grant(client, username, "wrong password")
    for _ in range(4):
        password_grant(client, username, "wrong password")
    checked_hashes.clear()
    locked = password_grant(client, username, password)
    unknown = password_grant(client, "nobody-at-all", password)

    def shape(response: Any) -> tuple[int, dict[str, Any]]:
        body = response.json()
        body.pop("instance")
        return response.status_code, body

    assert shape(locked) == shape(unknown) == shape(wrong)
    assert locked.headers["content-type"] == unknown.headers["content-type"]
    # Both did the work of one hash verification, against the decoy: the same time.
    assert checked_hashes == [passwords.decoy_hash()] * 2


def _works(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.post("/oauth/revoke", data={"jti": "unknown"}, headers=headers).status_code


def test_a_lock_ends_the_tokens_issued_before_it(client: TestClient, make_user: MakeUser) -> None:
    username, password = make_user("clerk")
    token = password_grant(client, username, password).json()["access_token"]
    other = password_grant(client, username, password).json()["access_token"]
    assert _works(client, token) == 200
    for _ in range(5):
        password_grant(client, username, "wrong password")
    assert _works(client, token) == 401
    assert _works(client, other) == 401


def test_a_password_change_ends_the_tokens_issued_before_it(
    client: TestClient, make_user: MakeUser, app: Any
) -> None:
    from api.db import unit_of_work

    username, password = make_user("clerk")
    token = password_grant(client, username, password).json()["access_token"]
    assert _works(client, token) == 200
    with unit_of_work(app.state.engine) as session:
        accounts.set_password(session, username=username, password="a brand new secret")
    assert _works(client, token) == 401
    assert password_grant(client, username, STAFF_PASSWORD).status_code == 400
    fresh = password_grant(client, username, "a brand new secret")
    assert fresh.status_code == 200
    assert _works(client, fresh.json()["access_token"]) == 200
