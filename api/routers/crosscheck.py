"""Cross-check runs (信息比对): queue one for the worker, follow its progress."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response

from api.crosscheck import runs as crosscheck
from api.deps import CrosscheckRead, CrosscheckRun, SessionDep
from api.models.crosscheck_run import (
    CrosscheckRunAccepted,
    CrosscheckRunIn,
    CrosscheckRunOut,
    CrosscheckRunPage,
)
from api.pagination import DEFAULT_LIMIT
from api.routers.crosscheck_docs import RUN_EXAMPLE, examples, texts
from api.routers.openapi import problems
from api.routers.records import Cursor, Limit

router = APIRouter(prefix="/crosscheck", tags=["crosscheck"])
RunId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")]


@router.post(
    "/runs",
    status_code=202,
    response_model=CrosscheckRunAccepted,
    responses=problems(409),
    **texts("run-create"),
)
def start_run(
    request: Request,
    response: Response,
    session: SessionDep,
    access: CrosscheckRun,
    body: Annotated[
        CrosscheckRunIn | None, Body(openapi_examples=examples("run", RUN_EXAMPLE))
    ] = None,
) -> CrosscheckRunAccepted:
    wanted = body or CrosscheckRunIn()
    run = crosscheck.request_run(session, access=access, region=wanted.region, as_of=wanted.as_of)
    response.headers["Location"] = f"{request.url.path}/{run.id}"
    return CrosscheckRunAccepted(id=run.id, status=run.status)


@router.get(
    "/runs",
    response_model=CrosscheckRunPage,
    **texts("run-list"),
)
def list_runs(
    session: SessionDep,
    access: CrosscheckRead,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> CrosscheckRunPage:
    page = crosscheck.list_runs(session, access=access, limit=limit, cursor=cursor)
    return CrosscheckRunPage(
        items=[CrosscheckRunOut.of(run) for run in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/runs/{run_id}",
    response_model=CrosscheckRunOut,
    **texts("run-read"),
)
def read_run(run_id: RunId, session: SessionDep, access: CrosscheckRead) -> CrosscheckRunOut:
    return CrosscheckRunOut.of(crosscheck.get_run(session, run_id, access=access))
