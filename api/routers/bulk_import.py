"""Bulk exchange: `POST /v1/{resource}:import` with an NDJSON body, streamed."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.bulk.importer import ImportInterrupted, import_ndjson, kind_for
from api.deps import (
    BirthsWrite,
    HouseholdsWrite,
    MarriagesWrite,
    PersonsWrite,
    SessionDep,
    UltrasoundsWrite,
)
from api.errors import FieldError, NotFound, Problem

NDJSON = "application/x-ndjson"

router = APIRouter(tags=["bulk exchange"])


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ImportStopped(Problem):
    status, slug, title = 503, "import-interrupted", "Import interrupted"


class LineErrorOut(BaseModel):
    """A rejected line and what was wrong with it."""

    line: int
    errors: list[dict[str, str]]


class ImportOut(BaseModel):
    """What became of the file's lines; counts are complete, `errors` is capped."""

    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[LineErrorOut]
    errors_truncated: bool
    max_reported_errors: int


def _require_ndjson(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != NDJSON:
        raise UnsupportedMediaType(
            f"Send the records as {NDJSON}, one JSON object a line.",
            errors=[FieldError("Content-Type", f"must be {NDJSON}")],
        )


def _add_import_route(resource: str, write: Any) -> None:
    @router.post(
        f"/{resource}:import",
        response_model=ImportOut,
        summary=f"Import {resource} records from NDJSON",
        openapi_extra={
            "requestBody": {"required": True, "content": {NDJSON: {"schema": {"type": "string"}}}}
        },
    )
    async def import_records(
        request: Request,
        session: SessionDep,
        access: write,  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        _require_ndjson(request)
        kind = kind_for(resource)
        if kind is None:
            raise NotFound(f"The {resource} registry is not available.")
        # Batches commit on their own (see api.bulk.importer): end the request's transaction,
        # which on SQLite would otherwise hold the write lock the batches need.
        session.close()
        try:
            summary = await import_ndjson(
                request.stream(), engine=request.app.state.engine, kind=kind, access=access
            )
        except ImportInterrupted as exc:
            detail = f"The import stopped: {exc.reason}. Committed batches are kept; resend."
            raise ImportStopped(detail, progress=exc.summary.as_dict()) from exc
        return summary.as_dict()


for _resource, _write in (
    ("births", BirthsWrite),
    ("ultrasound-exams", UltrasoundsWrite),
    ("household-entries", HouseholdsWrite),
    ("marriages", MarriagesWrite),
    ("persons", PersonsWrite),
):
    _add_import_route(_resource, _write)
