"""The application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy.orm import configure_mappers

from api.access.revocation import RevocationList
from api.config import Settings, get_settings
from api.db import Database, build_engine
from api.errors import install_error_handlers
from api.routers import (
    applications,
    audit_events,
    births,
    bulk_import,
    certificates,
    crosscheck,
    discrepancies,
    feed,
    health,
    household_entries,
    marriages,
    oauth,
    openapi,
    persons,
    portal,
    stats,
    ultrasound_exams,
)
from api.routers.docs import install_docs
from api.security.keys import load_signing_key
from api.validation.redaction import install_log_redaction
from api.validation.request_guard import ControlCharacterGuard
from api.web.authn import install_authentication_first
from api.web.headers import SecurityHeaders
from api.web.limits import limit_harvesting

# Routes answered without a token; every other router demands one (see `create_app`).
PUBLIC_ROUTERS = (health.router, oauth.router, portal.router, certificates.public_router)
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
    applications.router,
    certificates.router,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Shutting down: the audit writer's connection and thread, then the pool.
    database: Database = app.state.database
    database.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API with its database engine and signing key."""
    settings = settings or get_settings()
    app = FastAPI(
        title="vitalx",
        summary="人口与出生信息共享交换平台 — population and birth-information exchange",
        version="1.0.0",
        description=openapi.DESCRIPTION,
        openapi_tags=openapi.TAGS,
        # Served by `install_docs`: the typed document at both URLs, Swagger UI offline.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=_lifespan,
    )
    install_docs(app)
    # Now rather than on the first query: reads build records from Core rows, which needs
    # the models' attributes instrumented (api/journal/subjects.py, `with_person_ids`).
    configure_mappers()
    app.state.settings = settings
    app.state.engine = build_engine(settings.database_url, pool_size=settings.db_pool_size)
    app.state.database = Database(app.state.engine, pool_size=settings.db_pool_size)
    app.state.revocations = RevocationList(app.state.database.reader)
    key = load_signing_key(settings.signing_key_file, generate=settings.generate_signing_key)
    app.state.signing_key = key
    app.state.verification_keys = {key.kid: key}
    install_error_handlers(app)
    install_authentication_first(app)
    # Control characters in the path, query, form fields or headers: 422 before any route.
    app.add_middleware(ControlCharacterGuard)
    install_log_redaction()
    # Outermost, so that every answer (the guard's too) carries the headers and is counted.
    app.add_middleware(SecurityHeaders)
    # The /v1 routers first: a request is matched against the routes in order, and the
    # record reads are the hot path. No public path falls under an authenticated one.
    for router in AUTHENTICATED_ROUTERS:
        # `limit_harvesting` authenticates: every /v1 route is, whatever its own aliases
        # (one dependency to resolve per request rather than a chain of three).
        app.include_router(
            router,
            prefix="/v1",
            dependencies=[Depends(limit_harvesting)],
        )
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    return app


def create_served_app() -> FastAPI:
    """The app as each worker process of `vitalx serve` builds it, the process tuned to serve."""
    app = create_app()
    # What is built by now lives as long as the process: the cycle collector need not scan
    # it again, nor run every 700 allocations (together ~15% of an audited read's CPU).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return app
