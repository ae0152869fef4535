"""Liveness, readiness and metrics (interface §4 "Operations"). No token needed."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import problem_response
from api.migrate import is_at_head

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    """Always answers while the process runs."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and its schema is at head")
def readyz(request: Request) -> Response:
    """Answer 200 only when requests can be served."""
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


@router.get("/metrics", summary="Prometheus metrics")
def metrics() -> Response:
    """Process and request metrics in the Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
