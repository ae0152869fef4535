"""Idempotency-Key replay for creates (IETF draft "The Idempotency-Key HTTP Header Field")."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.access.principal import Access
from api.errors import FieldError, InvalidInput
from api.models import IdempotencyRecord


@dataclass(frozen=True)
class StoredAnswer:
    """The first answer given to a key, to be replayed."""

    status_code: int
    body: dict[str, Any]
    headers: dict[str, str]


def body_fingerprint(body: Any) -> str:
    """A hash of the request body that ignores key order and spacing."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _owner(access: Access) -> str:
    # Keys are per caller, so one client can never be served another's answer.
    return f"{access.principal.actor_type}:{access.principal.subject}"[:64]


def _mismatch() -> InvalidInput:
    return InvalidInput(
        "This Idempotency-Key was used with a different request body.",
        errors=[FieldError("Idempotency-Key", "reused with a different body")],
    )


def claim(session: Session, access: Access, *, key: str, fingerprint: str) -> StoredAnswer | None:
    """Reserve `key` for this request, or return the answer an earlier request got."""
    owner = _owner(access)
    existing = session.get(IdempotencyRecord, (owner, key))
    if existing is None:
        try:
            with session.begin_nested():
                session.add(
                    IdempotencyRecord(
                        client_key=owner, key=key, request_hash=fingerprint, status_code=0, body={}
                    )
                )
                session.flush()
            return None
        except IntegrityError:
            # A concurrent request with the same key committed first: replay its answer.
            existing = session.get(IdempotencyRecord, (owner, key), populate_existing=True)
            if existing is None:
                raise
    if existing.request_hash != fingerprint:
        raise _mismatch()
    return StoredAnswer(existing.status_code, existing.body, existing.headers)


def remember(
    session: Session,
    access: Access,
    *,
    key: str,
    status_code: int,
    body: dict[str, Any],
    headers: dict[str, str],
) -> None:
    """Store the answer to a claimed key, in the same transaction as the create."""
    record = session.get(IdempotencyRecord, (_owner(access), key))
    assert record is not None, "claim() must be called first"
    record.status_code, record.body, record.headers = status_code, body, headers
    session.add(record)
