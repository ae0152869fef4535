"""Authentication first: which routes need a token, decided from their dependencies."""

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api import app as app_module
from api.web.authn import needs_token


def _routes(router: object) -> list[APIRoute]:
    return [r for r in getattr(router, "routes", []) if isinstance(r, APIRoute)]


def test_every_route_of_an_authenticated_router_needs_a_token_by_its_own_dependencies() -> None:
    # The include-level token check is not visible on the route the error handler sees,
    # so each route must name its access dependency (they all do, through an Access alias).
    missing = [
        f"{sorted(route.methods or ())} {route.path}"
        for router in app_module.AUTHENTICATED_ROUTERS
        for route in _routes(router)
        if not needs_token(route)
    ]
    assert missing == []


def test_public_routes_need_no_token(app: FastAPI) -> None:
    public = {
        route.path: needs_token(route)
        for router in app_module.PUBLIC_ROUTERS
        for route in _routes(router)
    }
    assert public["/oauth/token"] is False
    assert public["/healthz"] is False
    assert public["/oauth/revoke"] is True
    assert needs_token(None) is False
