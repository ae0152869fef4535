"""The application factory."""

from fastapi import Depends, FastAPI

from api.config import Settings, get_settings
from api.db import build_engine
from api.deps import get_principal
from api.errors import install_error_handlers
from api.metrics import record_request_metrics
from api.routers import (
    audit_events,
    births,
    bulk_import,
    crosscheck,
    discrepancies,
    feed,
    health,
    household_entries,
    marriages,
    oauth,
    persons,
    portal,
    stats,
    ultrasound_exams,
)
from api.security.keys import load_signing_key

# Routes answered without a token; every other router demands one (see `create_app`).
PUBLIC_ROUTERS = (health.router, oauth.router, portal.router)
AUTHENTICATED_ROUTERS = (
    births.router,
    ultrasound_exams.router,
    feed.router,
    audit_events.router,
    persons.router,
    household_entries.router,
    marriages.router,
    bulk_import.router,
    crosscheck.router,
    discrepancies.router,
    stats.router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API with its database engine and signing key."""
    settings = settings or get_settings()
    app = FastAPI(
        title="vitalx",
        summary="人口与出生信息共享交换平台 — population and birth-information exchange",
        version="1.0.0",
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = build_engine(settings.database_url, pool_size=settings.db_pool_size)
    key = load_signing_key(settings.signing_key_file, generate=settings.generate_signing_key)
    app.state.signing_key = key
    app.state.verification_keys = {key.kid: key}
    install_error_handlers(app)
    app.middleware("http")(record_request_metrics)
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    for router in AUTHENTICATED_ROUTERS:
        app.include_router(router, prefix="/v1", dependencies=[Depends(get_principal)])
    return app
