"""The discrepancy worklist (比对问题): list or export, read, resolve, history."""

from collections.abc import Iterator
from datetime import date
from typing import IO, Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from api.crosscheck import worklist
from api.crosscheck.export import XLSX_MEDIA_TYPE, export_xlsx
from api.crosscheck.linkage.findings import DiscrepancyType
from api.crosscheck.worklist import DiscrepancyFilters
from api.deps import CrosscheckRead, CrosscheckResolve, SessionDep, SettingsDep
from api.models.discrepancy import (
    DiscrepancyOut,
    DiscrepancyStatus,
    DiscrepancyVersionOut,
    ResolveBody,
)
from api.pagination import DEFAULT_LIMIT
from api.routers.records import Cursor, Limit, etag
from api.validation import RegionPrefix, today_in_china

router = APIRouter(prefix="/discrepancies", tags=["discrepancies"])
CHUNK_BYTES = 64 * 1024


def _stream(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


@router.get("", summary="The worklist in your jurisdiction, soonest due first (or as .xlsx)")
def list_discrepancies(
    session: SessionDep,
    settings: SettingsDep,
    access: CrosscheckRead,
    type: Annotated[DiscrepancyType | None, Query()] = None,
    status: Annotated[DiscrepancyStatus | None, Query()] = None,
    region: Annotated[RegionPrefix | None, Query()] = None,
    due_before: date | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Literal["json", "xlsx"] = "json",
) -> Any:
    filters = DiscrepancyFilters(
        type.value if type else None, status.value if status else None, region, due_before
    )
    if format == "xlsx":
        cap = settings.discrepancy_export_max_rows
        export = export_xlsx(session, access=access, filters=filters, max_rows=cap)
        name = f"比对问题清单-{today_in_china():%Y%m%d}.xlsx"
        headers = {
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Export-Rows": str(export.rows),
            "X-Export-Row-Limit": str(cap),
            "X-Export-Truncated": "true" if export.truncated else "false",
        }
        return StreamingResponse(_stream(export.file), media_type=XLSX_MEDIA_TYPE, headers=headers)
    page = worklist.list_discrepancies(
        session, access=access, filters=filters, limit=limit, cursor=cursor
    )
    return {"items": [worklist.present(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/{discrepancy_id}", response_model=DiscrepancyOut, summary="One discrepancy")
def read_discrepancy(
    discrepancy_id: str, response: Response, session: SessionDep, access: CrosscheckRead
) -> Any:
    row = worklist.get_discrepancy(session, discrepancy_id, access=access)
    response.headers["ETag"] = etag(row.version)
    return worklist.present(row)


@router.post(
    "/{discrepancy_id}/resolve", response_model=DiscrepancyOut, summary="Resolve a discrepancy"
)
def resolve_discrepancy(
    discrepancy_id: str,
    body: ResolveBody,
    response: Response,
    session: SessionDep,
    access: CrosscheckResolve,
) -> Any:
    row = worklist.resolve_discrepancy(
        session, discrepancy_id, resolution=body.resolution, note=body.note, access=access
    )
    response.headers["ETag"] = etag(row.version)
    return worklist.present(row)


@router.get("/{discrepancy_id}/history", summary="Every version of a discrepancy")
def discrepancy_history(
    discrepancy_id: str, session: SessionDep, access: CrosscheckRead
) -> dict[str, Any]:
    versions = worklist.discrepancy_history(session, discrepancy_id, access=access)
    items = [
        DiscrepancyVersionOut(
            version=v.version,
            action=v.action,
            changed_at=v.changed_at,
            changed_by=v.changed_by,
            department=v.department,
            reason=v.reason,
            record=v.data,
        ).model_dump(mode="json")
        for v in versions
    ]
    return {"items": items, "next_cursor": None}
