"""The routes every shared registry has, built from its `RecordKind` and access policy."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, create_model
from sqlmodel import Session

from api.access.principal import Access
from api.db import run_read
from api.deps import SessionDep
from api.errors import FieldError, PreconditionFailed, PreconditionRequired
from api.models.base import VoidBody
from api.models.page import VersionOut, named_page
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.records import core as records
from api.records import idempotency
from api.records.core import ListFilters, RecordKind, snapshot
from api.routers import record_docs
from api.routers.merge_patch import MERGE_PATCH_JSON, merge_patch_model
from api.routers.openapi import problems
from api.routers.record_docs import RecordDocs
from api.validation import Day, RegionPrefix

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]
# Written YYYY-MM-DD (never a number) and bounded, so that a day's start converts to UTC.
FilterDate = Annotated[Day | None, Query()]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=64)]
ETAG_HEADER = {
    "ETag": {"description": "版本号 · The version, for If-Match", "schema": {"type": "string"}}
}
LOCATION_HEADER = {
    "Location": {"description": "新记录的地址 · The new record", "schema": {"type": "string"}}
}


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
    text = value.strip()
    if text.startswith("W/"):
        # RFC 9110 §13.1.1: If-Match compares strongly; a weak ETag never matches.
        raise PreconditionFailed(
            'If-Match needs a strong ETag such as "3" (a weak W/ ETag never matches).',
            errors=[FieldError("If-Match", "a weak ETag cannot match: send the strong ETag")],
        )
    version = text[1:-1] if len(text) > 2 and text[0] == text[-1] == '"' else ""
    if not (version.isascii() and version.isdigit()) or len(version) > 18:
        raise PreconditionFailed(
            'If-Match must carry a version ETag such as "3".',
            errors=[FieldError("If-Match", "not a version ETag")],
        )
    return int(version)


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
    docs: RecordDocs,
    present_rows: PresentRows | None = None,
) -> None:
    """Register create, read, list, correct, void and history routes for `kind`.

    `read` and `write` are the `Annotated[Access, ...]` aliases from `api.deps` that state
    the routes' scope; jurisdiction and minimisation follow from the kind. `present_rows`
    replaces the one-by-one presenter where a page needs extra look-ups. `docs` names the
    registry in the OpenAPI document and gives its request examples.
    """

    registry = Registry(router, kind, out, read, write, docs, present_rows)
    for add in (_add_create, _add_list, _add_read, _add_correct, _add_void, _add_history):
        add(registry)


@dataclass(frozen=True)
class Registry:
    """What the routes of one registry are built from."""

    router: APIRouter
    kind: RecordKind[Any]
    out: type[BaseModel]
    read: Any
    write: Any
    docs: RecordDocs
    present_rows: PresentRows | None

    @property
    def stem(self) -> str:
        """The name its schemas share: `BirthOut` → `Birth`."""
        return self.out.__name__.removesuffix("Out")

    def texts(self, operation: str) -> dict[str, Any]:
        """The route's summary and description, in Chinese and English."""
        return {
            "summary": record_docs.summary(self.docs, operation),
            "description": record_docs.description(self.docs, operation),
        }

    def shown_rows(self, session: Session, rows: list[Any], access: Access) -> list[dict[str, Any]]:
        """Stored rows as the caller may see them, in their JSON form."""
        if self.present_rows is not None:
            return self.present_rows(session, rows, access)
        return [shown_record(self.kind, self.out, snapshot(row), access) for row in rows]

    def shown(self, session: Session, row: Any, access: Access) -> dict[str, Any]:
        return self.shown_rows(session, [row], access)[0]

    def answer(self, session: Session, row: Any, access: Access) -> Response:
        """One record with its ETag, validated against `out` and sent as is."""
        headers = {"ETag": etag(row.version)}
        if self.present_rows is not None:
            return JSONResponse(self.shown(session, row, access), headers=headers)
        # As `shown_record`, but serialised by pydantic straight to JSON bytes: no dict and
        # no json.dumps in between (the same bytes, a tenth of the hot read's serialising).
        shown = self.out.model_validate(self.kind.present(snapshot(row), access))
        body = self.out.__pydantic_serializer__.to_json(shown, exclude_unset=True)
        return Response(body, media_type="application/json", headers=headers)


def _add_create(r: Registry) -> None:
    kind, write = r.kind, r.write
    body_type: Any = Annotated[
        kind.body, Body(openapi_examples=record_docs.examples(r.docs.en, r.docs.create_example))
    ]

    @r.router.post(
        "",
        status_code=201,
        response_model=r.out,
        responses={201: {"headers": {**ETAG_HEADER, **LOCATION_HEADER}}, **problems(409)},
        **r.texts("create"),
    )
    def create(
        request: Request,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
        body: body_type,
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
        answer = r.shown(session, row, access)
        headers = {"ETag": etag(row.version), "Location": f"{request.url.path}/{row.id}"}
        if idempotency_key:
            idempotency.remember(
                session, access, key=idempotency_key, status_code=201, body=answer, headers=headers
            )
        return JSONResponse(answer, 201, headers)


def _add_list(r: Registry) -> None:
    kind, read = r.kind, r.read

    @r.router.get("", response_model=named_page(f"{r.stem}Page", r.out), **r.texts("list"))
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
    ) -> JSONResponse:
        filters = ListFilters(region, date_from, date_to, status, include_voided)
        page = records.list_records(
            session, kind, access=access, filters=filters, limit=limit, cursor=cursor
        )
        items = r.shown_rows(session, page.items, access)
        return JSONResponse({"items": items, "next_cursor": page.next_cursor})


def _add_read(r: Registry) -> None:
    kind, read = r.kind, r.read

    @r.router.get(
        "/{record_id}",
        response_model=r.out,
        responses={200: {"headers": ETAG_HEADER}},
        **r.texts("read"),
    )
    async def read_one(
        record_id: str,
        session: SessionDep,
        access: read,  # type: ignore[valid-type]
    ) -> Response:
        def work() -> Response:
            row = records.get_record(session, kind, record_id, access=access)
            return r.answer(session, row, access)

        return await run_read(session, work)


def _add_correct(r: Registry) -> None:
    kind, write = r.kind, r.write
    patch_type: Any = Annotated[
        merge_patch_model(kind.body),
        Body(
            media_type=MERGE_PATCH_JSON,
            openapi_examples=record_docs.examples(r.docs.en, r.docs.patch_example),
        ),
    ]

    @r.router.patch(
        "/{record_id}",
        response_model=r.out,
        responses={200: {"headers": ETAG_HEADER}, **problems(409, 412, 428)},
        **r.texts("correct"),
    )
    def correct(
        record_id: str,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
        patch: patch_type,
        if_match: IfMatch = None,
    ) -> Response:
        version = parse_if_match(if_match)
        changes = patch.model_dump(mode="json", exclude_unset=True)
        row = records.update_record(
            session, kind, record_id, expected_version=version, patch=changes, access=access
        )
        return r.answer(session, row, access)


def _add_void(r: Registry) -> None:
    kind, write = r.kind, r.write
    example = {"reason": "重复登记，以另一条记录为准"}
    body_type: Any = Annotated[
        VoidBody, Body(openapi_examples=record_docs.examples("void", example))
    ]

    @r.router.post(
        "/{record_id}/void", response_model=r.out, responses=problems(409), **r.texts("void")
    )
    def void(
        record_id: str,
        body: body_type,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
    ) -> Response:
        row = records.void_record(session, kind, record_id, reason=body.reason, access=access)
        return r.answer(session, row, access)


def _add_history(r: Registry) -> None:
    kind, out, read = r.kind, r.out, r.read
    version_out = create_model(f"{r.stem}Version", __base__=VersionOut[out])  # type: ignore[valid-type]

    @r.router.get(
        "/{record_id}/history",
        response_model=named_page(f"{r.stem}History", version_out),
        **r.texts("history"),
    )
    def history(
        record_id: str,
        session: SessionDep,
        access: read,  # type: ignore[valid-type]
    ) -> JSONResponse:
        versions = records.record_history(session, kind, record_id, access=access)
        items = [
            VersionOut[dict[str, Any]](
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
        return JSONResponse({"items": items, "next_cursor": None})
