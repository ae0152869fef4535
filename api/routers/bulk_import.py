"""Bulk exchange: `POST /v1/{resource}:import` with an NDJSON body, streamed."""

import json
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
from api.errors import FieldError, NotFound, Problem, ProblemFieldError
from api.routers import record_docs
from api.routers.openapi import problems
from api.routers.record_docs import RecordDocs

NDJSON = "application/x-ndjson"

router = APIRouter(tags=["bulk exchange"])
IMPORT_DESCRIPTION = """\
以流式 `application/x-ndjson` 批量导入记录，每行一条 JSON（与单条登记的请求体相同）。
有效行保存，无效行逐行报告且不保存；同一文件重复发送不会新增记录。

Streams `application/x-ndjson`, one record a line (each the body a create takes). Valid
lines are stored, invalid ones reported by line number and stored nowhere; sending the same
file twice creates nothing new. Counts are complete; `errors` is capped. A stopped import
(503) keeps its committed batches: resend the file."""


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ImportStopped(Problem):
    status, slug, title = 503, "import-interrupted", "Import interrupted"


class LineErrorOut(BaseModel):
    """A rejected line and what was wrong with it."""

    line: int
    errors: list[ProblemFieldError]


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


def _add_import_route(resource: str, write: Any, docs: RecordDocs) -> None:
    @router.post(
        f"/{resource}:import",
        response_model=ImportOut,
        summary=f"批量导入{docs.zh}（NDJSON）· Import {docs.en}s from NDJSON",
        description=IMPORT_DESCRIPTION,
        responses=problems(413, 415, 503),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    NDJSON: {
                        "schema": {"type": "string", "description": "One JSON record a line"},
                        "example": json.dumps(docs.create_example, ensure_ascii=False) + "\n",
                    }
                },
            }
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


for _resource, _write, _docs in (
    ("births", BirthsWrite, record_docs.BIRTHS),
    ("ultrasound-exams", UltrasoundsWrite, record_docs.ULTRASOUND_EXAMS),
    ("household-entries", HouseholdsWrite, record_docs.HOUSEHOLD_ENTRIES),
    ("marriages", MarriagesWrite, record_docs.MARRIAGES),
    ("persons", PersonsWrite, record_docs.PERSONS),
):
    _add_import_route(_resource, _write, _docs)
