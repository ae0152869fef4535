"""The discrepancy worklist (比对问题): list or export, read, assign, comment, resolve,
resolve in bulk, history, and the monthly closure report (销号)."""

from collections.abc import Iterator
from typing import IO, Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Query, Response
from fastapi.responses import StreamingResponse

from api.crosscheck import assignment, report, summary, worklist
from api.crosscheck.export import Export, export_list, export_report
from api.crosscheck.linkage.findings import DiscrepancyType
from api.crosscheck.report import ClosureReport
from api.crosscheck.summary import DiscrepancyPage, DiscrepancyView
from api.crosscheck.worklist import Area, DiscrepancyFilters
from api.deps import CrosscheckRead, CrosscheckResolve, SessionDep, SettingsDep
from api.models.discrepancy import (
    AssignBody,
    AssigneeList,
    AssigneeOut,
    BulkItem,
    BulkResolveBody,
    BulkResolveOut,
    CommentBody,
    DiscrepancyHistory,
    DiscrepancyStatus,
    DiscrepancyVersionOut,
    ResolveBody,
)
from api.models.discrepancy_comment import CommentOut, CommentPage
from api.pagination import DEFAULT_LIMIT
from api.routers.crosscheck_docs import (
    ASSIGN_EXAMPLE,
    BULK_EXAMPLE,
    COMMENT_EXAMPLE,
    FILES,
    RESOLVE_EXAMPLE,
    examples,
    texts,
)
from api.routers.openapi import problems
from api.routers.records import Cursor, Limit, etag
from api.validation import Day, today_in_china

router = APIRouter(prefix="/discrepancies", tags=["discrepancies"])
CHUNK_BYTES = 64 * 1024
ID_PATTERN = r"^[0-9A-Za-z-]+$"
DiscrepancyId = Annotated[str, Path(min_length=1, max_length=36, pattern=ID_PATTERN)]
Username = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
Month = Annotated[
    str | None, Query(min_length=7, max_length=7, description="YYYY-MM; default this month.")
]


def _stream(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


def _download(export: Export, name: str, cap: int) -> StreamingResponse:
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
        "X-Export-Rows": str(export.rows),
        "X-Export-Row-Limit": str(cap),
        "X-Export-Truncated": "true" if export.truncated else "false",
    }
    return StreamingResponse(_stream(export.file), media_type=export.media_type, headers=headers)


@router.get(
    "",
    response_model=DiscrepancyPage,
    responses=FILES,
    **texts("list"),
)
def list_discrepancies(
    session: SessionDep,
    settings: SettingsDep,
    access: CrosscheckRead,
    type: Annotated[DiscrepancyType | None, Query()] = None,
    status: Annotated[DiscrepancyStatus | None, Query()] = None,
    region: Annotated[Area | None, Query()] = None,
    assignee: Username = None,
    unassigned: bool = False,
    overdue: bool | None = None,
    due_before: Annotated[Day | None, Query()] = None,
    resolved_month: Annotated[str | None, Query(min_length=7, max_length=7)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Literal["json", "xlsx", "csv"] = "json",
) -> DiscrepancyPage | StreamingResponse:
    closed_in = report.parse_month(resolved_month, "resolved_month") if resolved_month else None
    filters = DiscrepancyFilters(
        type and type.value,
        status and status.value,
        region,
        assignee,
        unassigned,
        overdue,
        due_before,
        closed_in,
    )
    if format != "json":
        cap = settings.discrepancy_export_max_rows
        export = export_list(session, access=access, filters=filters, max_rows=cap, kind=format)
        return _download(export, f"比对问题清单-{today_in_china():%Y%m%d}.{format}", cap)
    page = worklist.list_discrepancies(
        session, access=access, filters=filters, limit=limit, cursor=cursor
    )
    items = summary.views(session, page.items, access)
    return DiscrepancyPage(items=items, next_cursor=page.next_cursor)


@router.get(
    "/report",
    response_model=ClosureReport,
    responses=FILES,
    **texts("report"),
)
def closure_report(
    session: SessionDep,
    settings: SettingsDep,
    access: CrosscheckRead,
    month: Month = None,
    region: Annotated[Area | None, Query()] = None,
    format: Literal["json", "xlsx", "csv"] = "json",
) -> ClosureReport | StreamingResponse:
    first = report.parse_month(month or f"{today_in_china():%Y-%m}")
    result = report.closure_report(session, access=access, month=first, region=region)
    if format == "json":
        return result
    cap = settings.discrepancy_export_max_rows
    export = export_report(session, result, access=access, month=first, max_rows=cap, kind=format)
    return _download(export, f"比对问题销号月报-{result.month}.{format}", cap)


@router.post(
    "/bulk-resolve",
    response_model=BulkResolveOut,
    **texts("bulk-resolve"),
)
def bulk_resolve(
    body: Annotated[BulkResolveBody, Body(openapi_examples=examples("bulk", BULK_EXAMPLE))],
    session: SessionDep,
    access: CrosscheckResolve,
) -> BulkResolveOut:
    done = worklist.bulk_resolve(
        session, body.ids, resolution=body.resolution, note=body.note, access=access
    )
    items = [BulkItem(id=item, outcome=outcome) for item, outcome in done.outcomes]
    return BulkResolveOut(resolved=len(done.resolved), items=items)


@router.get(
    "/{discrepancy_id}",
    response_model=DiscrepancyView,
    **texts("read"),
)
def read_discrepancy(
    discrepancy_id: DiscrepancyId, response: Response, session: SessionDep, access: CrosscheckRead
) -> DiscrepancyView:
    row = worklist.get_discrepancy(session, discrepancy_id, access=access)
    response.headers["ETag"] = etag(row.version)
    return summary.views(session, [row], access)[0]


@router.post(
    "/{discrepancy_id}/resolve",
    response_model=DiscrepancyView,
    responses=problems(409),
    **texts("resolve"),
)
def resolve_discrepancy(
    discrepancy_id: DiscrepancyId,
    body: Annotated[ResolveBody, Body(openapi_examples=examples("resolve", RESOLVE_EXAMPLE))],
    response: Response,
    session: SessionDep,
    access: CrosscheckResolve,
) -> DiscrepancyView:
    row = worklist.resolve_discrepancy(
        session, discrepancy_id, resolution=body.resolution, note=body.note, access=access
    )
    response.headers["ETag"] = etag(row.version)
    return summary.views(session, [row], access)[0]


@router.post(
    "/{discrepancy_id}/assign",
    response_model=DiscrepancyView,
    responses=problems(409),
    **texts("assign"),
)
def assign_discrepancy(
    discrepancy_id: DiscrepancyId,
    body: Annotated[AssignBody, Body(openapi_examples=examples("assign", ASSIGN_EXAMPLE))],
    response: Response,
    session: SessionDep,
    access: CrosscheckResolve,
) -> DiscrepancyView:
    row = assignment.assign(session, discrepancy_id, assignee=body.assignee, access=access)
    response.headers["ETag"] = etag(row.version)
    return summary.views(session, [row], access)[0]


@router.get(
    "/{discrepancy_id}/assignees",
    response_model=AssigneeList,
    **texts("assignees"),
)
def list_assignees(
    discrepancy_id: DiscrepancyId, session: SessionDep, access: CrosscheckResolve
) -> AssigneeList:
    users = assignment.assignees(session, discrepancy_id, access=access)
    return AssigneeList(
        items=[AssigneeOut(username=u.username, role=u.role, region=u.region) for u in users]
    )


@router.get(
    "/{discrepancy_id}/comments",
    response_model=CommentPage,
    **texts("comments"),
)
def list_comments(
    discrepancy_id: DiscrepancyId, session: SessionDep, access: CrosscheckRead
) -> CommentPage:
    found = assignment.comments(session, discrepancy_id, access=access)
    return CommentPage(items=[CommentOut.model_validate(c, from_attributes=True) for c in found])


@router.post(
    "/{discrepancy_id}/comments",
    status_code=201,
    response_model=CommentOut,
    **texts("comment"),
)
def add_comment(
    discrepancy_id: DiscrepancyId,
    body: Annotated[CommentBody, Body(openapi_examples=examples("comment", COMMENT_EXAMPLE))],
    session: SessionDep,
    access: CrosscheckResolve,
) -> CommentOut:
    comment = assignment.add_comment(session, discrepancy_id, body=body.body, access=access)
    return CommentOut.model_validate(comment, from_attributes=True)


@router.get(
    "/{discrepancy_id}/history",
    response_model=DiscrepancyHistory,
    **texts("history"),
)
def discrepancy_history(
    discrepancy_id: DiscrepancyId, session: SessionDep, access: CrosscheckRead
) -> DiscrepancyHistory:
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
        )
        for v in versions
    ]
    return DiscrepancyHistory(items=items)
