"""Cross-check runs (信息比对): start one in the background, follow it."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Request, Response
from fastapi.encoders import jsonable_encoder

from api.crosscheck import runs as crosscheck
from api.deps import CrosscheckRead, CrosscheckRun, SessionDep, SettingsDep
from api.models.crosscheck_run import CrosscheckRunAccepted, CrosscheckRunIn, CrosscheckRunOut
from api.pagination import DEFAULT_LIMIT
from api.routers.records import Cursor, Limit

router = APIRouter(prefix="/crosscheck", tags=["crosscheck"])


@router.post(
    "/runs",
    status_code=202,
    response_model=CrosscheckRunAccepted,
    summary="Start a cross-check of a region (one at a time per region)",
)
def start_run(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    access: CrosscheckRun,
    body: Annotated[CrosscheckRunIn | None, Body()] = None,
) -> Any:
    wanted = body or CrosscheckRunIn()
    run = crosscheck.request_run(
        session, access=access, settings=settings, region=wanted.region, as_of=wanted.as_of
    )
    # Background tasks start after the response, i.e. after the session has committed.
    background.add_task(crosscheck.execute_run, request.app.state.engine, run.id, settings=settings)
    response.headers["Location"] = f"{request.url.path}/{run.id}"
    return CrosscheckRunAccepted(id=run.id, status=run.status)


@router.get("/runs", summary="Cross-check runs in your jurisdiction, newest first")
def list_runs(
    session: SessionDep,
    access: CrosscheckRead,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = crosscheck.list_runs(session, access=access, limit=limit, cursor=cursor)
    items = [CrosscheckRunOut.of(run) for run in page.items]
    return {"items": jsonable_encoder(items), "next_cursor": page.next_cursor}


@router.get("/runs/{run_id}", response_model=CrosscheckRunOut, summary="One cross-check run")
def read_run(run_id: str, session: SessionDep, access: CrosscheckRead) -> Any:
    return CrosscheckRunOut.of(crosscheck.get_run(session, run_id, access=access))
