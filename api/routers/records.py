"""The routes every shared registry has, built from its `RecordKind` and access policy."""

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from api.access.principal import Access
from api.deps import SessionDep
from api.errors import FieldError, PreconditionFailed, PreconditionRequired
from api.models.base import Instant, VoidBody
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.records import core as records
from api.records import idempotency
from api.records.core import ListFilters, RecordKind, snapshot
from api.validation import RegionPrefix

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]
# Bounded so that a day's start converts to UTC without overflowing.
FilterDate = Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(9999, 12, 30))]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=64)]


class VersionOut(BaseModel):
    """One version of a record in its history."""

    version: int
    action: str
    changed_at: Instant
    changed_by: str
    department: str
    reason: str | None
    record: dict[str, Any]


def etag(version: int) -> str:
    """The strong ETag of a record version."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> int:
    """The version an `If-Match` header names; 428 without one, 412 if unreadable."""
    if value is None:
        raise PreconditionRequired(
            "Send If-Match with the version you read (its ETag).",
            errors=[FieldError("If-Match", "required")],
        )
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise PreconditionFailed(
            'If-Match must carry a version ETag such as "3".',
            errors=[FieldError("If-Match", "not a version ETag")],
        )
    return int(text)


PresentRows = Callable[[Session, list[Any], Access], list[dict[str, Any]]]


def shown_record(
    kind: RecordKind[Any], out: type[BaseModel], data: dict[str, Any], access: Access
) -> dict[str, Any]:
    """One stored record as the caller may see it, in its JSON form."""
    # exclude_unset: fields a caller may not see are left out, not shown as null.
    return out.model_validate(kind.present(data, access)).model_dump(
        mode="json", exclude_unset=True
    )


def add_record_routes(
    router: APIRouter,
    kind: RecordKind[Any],
    *,
    out: type[BaseModel],
    read: Any,
    write: Any,
    present_rows: PresentRows | None = None,
) -> None:
    """Register create, read, list, correct, void and history routes for `kind`.

    `read` and `write` are the `Annotated[Access, ...]` aliases from `api.deps` that state
    the routes' scope; jurisdiction and minimisation follow from the kind. `present_rows`
    replaces the one-by-one presenter where a page needs extra look-ups.
    """
    body_type: Any = kind.body
    name = kind.resource

    def one_by_one(session: Session, rows: list[Any], access: Access) -> list[dict[str, Any]]:
        return [shown_record(kind, out, snapshot(row), access) for row in rows]

    shown_rows = present_rows or one_by_one

    def shown(session: Session, row: Any, access: Access) -> dict[str, Any]:
        return shown_rows(session, [row], access)[0]

    def answer(session: Session, row: Any, access: Access) -> JSONResponse:
        # Already validated against `out` by the presenter; sent as is, with its ETag.
        return JSONResponse(shown(session, row, access), headers={"ETag": etag(row.version)})

    @router.post("", status_code=201, response_model=out, summary=f"Create a {name} record")
    def create(
        request: Request,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
        body: Annotated[body_type, Body()],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        if idempotency_key:
            fingerprint = idempotency.body_fingerprint(body.model_dump(mode="json"))
            earlier = idempotency.claim(
                session, access, key=idempotency_key, fingerprint=fingerprint
            )
            if earlier is not None:
                return JSONResponse(earlier.body, earlier.status_code, earlier.headers)
        row = records.create_record(session, kind, body=body, access=access)
        answer = shown(session, row, access)
        headers = {"ETag": etag(row.version), "Location": f"{request.url.path}/{row.id}"}
        if idempotency_key:
            idempotency.remember(
                session, access, key=idempotency_key, status_code=201, body=answer, headers=headers
            )
        return JSONResponse(answer, 201, headers)

    @router.get("", summary=f"List {name} records in your jurisdiction")
    def list_(
        session: SessionDep,
        access: read,  # type: ignore[valid-type]
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        region: Annotated[RegionPrefix | None, Query()] = None,
        date_from: FilterDate = None,
        date_to: FilterDate = None,
        status: Annotated[str | None, Query(max_length=16)] = None,
        include_voided: bool = False,
    ) -> dict[str, Any]:
        filters = ListFilters(region, date_from, date_to, status, include_voided)
        page = records.list_records(
            session, kind, access=access, filters=filters, limit=limit, cursor=cursor
        )
        return {"items": shown_rows(session, page.items, access), "next_cursor": page.next_cursor}

    @router.get("/{record_id}", response_model=out, summary=f"Read one {name} record")
    def read_one(
        record_id: str,
        session: SessionDep,
        access: read,  # type: ignore[valid-type]
    ) -> Response:
        return answer(session, records.get_record(session, kind, record_id, access=access), access)

    @router.patch("/{record_id}", response_model=out, summary=f"Correct a {name} record")
    def correct(
        record_id: str,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
        patch: Annotated[dict[str, Any], Body(description="JSON merge patch (RFC 7396)")],
        if_match: IfMatch = None,
    ) -> Response:
        version = parse_if_match(if_match)
        row = records.update_record(
            session, kind, record_id, expected_version=version, patch=patch, access=access
        )
        return answer(session, row, access)

    @router.post("/{record_id}/void", response_model=out, summary=f"Void a {name} record")
    def void(
        record_id: str,
        body: VoidBody,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
    ) -> Response:
        row = records.void_record(session, kind, record_id, reason=body.reason, access=access)
        return answer(session, row, access)

    @router.get("/{record_id}/history", summary=f"Every version of a {name} record")
    def history(
        record_id: str,
        session: SessionDep,
        access: read,  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        versions = records.record_history(session, kind, record_id, access=access)
        items = [
            VersionOut(
                version=v.version,
                action=v.action,
                changed_at=v.changed_at,
                changed_by=v.changed_by,
                department=v.department,
                reason=v.reason,
                record=shown_record(kind, out, v.data, access),
            ).model_dump(mode="json")
            for v in versions
        ]
        return {"items": items, "next_cursor": None}
