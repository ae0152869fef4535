"""Liveness, readiness and metrics (interface §4 "Operations").

`/healthz` and `/readyz` need no token. `/metrics` (which tells request volumes by route and
status) needs an administrator's access token, or the static bearer token of
`VITALX_METRICS_BEARER_TOKEN` for a Prometheus scraper (`authorization: {credentials: ...}`
in its scrape config).
"""

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.access.policy import Department
from api.config import Settings
from api.errors import Forbidden, problem_response
from api.migrate import is_at_head
from api.routers.openapi import problems
from api.web.authn import authenticate, bearer

router = APIRouter(tags=["operations"])


class HealthOut(BaseModel):
    """The process is alive."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Requests can be served."""

    status: Literal["ready"]


class PrometheusText(Response):
    """The Prometheus text exposition format."""

    media_type = CONTENT_TYPE_LATEST


@router.get("/healthz", response_model=HealthOut, summary="进程存活 · The process is alive")
def healthz() -> dict[str, str]:
    """进程运行时总是应答。

    Always answers while the process runs."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=ReadyOut,
    summary="可以服务：数据库可达且结构为最新 · The database is reachable, its schema at head",
    responses=problems(503),
)
def readyz(request: Request) -> Response:
    """仅在可以处理请求时答 200；数据库不可达或未迁移到最新时答 503。

    Answers 200 only when requests can be served; 503 when the database is unreachable or
    its schema is not at the newest migration."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        at_head = is_at_head(engine)
    except SQLAlchemyError:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="The database is not reachable.",
        )
    if not at_head:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail="The database schema is not at the newest migration; run `vitalx migrate`.",
        )
    return Response('{"status":"ready"}', media_type="application/json")


async def metrics_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Admit the configured scraper token or an administrator's access token."""
    settings: Settings = request.app.state.settings
    expected = settings.metrics_bearer_token
    offered = credentials.credentials.encode() if credentials is not None else b""
    if expected and hmac.compare_digest(offered, expected.encode()):
        return
    principal = await authenticate(request, credentials)
    if principal.department != Department.ADMIN:
        raise Forbidden("Metrics are for administrators and the configured scraper.")


@router.get(
    "/metrics",
    response_class=PrometheusText,
    summary="运行指标（Prometheus）· Prometheus metrics",
    dependencies=[Depends(metrics_reader)],
)
def metrics() -> Response:
    """进程与请求指标，Prometheus 文本格式；需管理员令牌或配置的采集令牌。

    Process and request metrics in the Prometheus text format, for an administrator's token
    or the configured scraper token."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
