"""Every route states its access policy in code (issue #9, the adversarial suite).

A route has a policy when a dependency demands scopes of the caller (`Security(...,
scopes=[...])`, as every alias of `api.deps` does). The few routes without one are listed
below with the reason; a new route that is in neither group fails here until it gets a
policy or a reason.
"""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

# Routes that demand no scope, and why that is right.
WITHOUT_SCOPES = {
    "GET /healthz": "liveness probe, says nothing",
    "GET /readyz": "readiness probe, says nothing",
    "GET /metrics": "its own monitoring-token check",
    "POST /oauth/token": "where tokens come from",
    "POST /oauth/revoke": "any authenticated caller; only the owner or an admin may revoke",
    "GET /.well-known/jwks.json": "public keys are public",
    "GET /portal": "static pages; their data comes from /v1 with the user's token",
    "GET /portal/": "static pages",
    "GET /portal/{name}": "static pages",
    "GET /v1/certificates/verify": "public verification (code-checked, rate-limited)",
}


def _routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                for method in sorted(set(route.methods or ()) - {"HEAD", "OPTIONS"}):
                    yield f"{method} {prefix}{route.path}", route

    yield from walk(app.routes, "")


def _scopes(dependant: Dependant) -> set[str]:
    found = set(dependant.own_oauth_scopes or ())
    for child in dependant.dependencies:
        found |= _scopes(child)
    return found


def test_every_route_demands_scopes_or_says_why_not(app: FastAPI) -> None:
    routes = dict(_routes(app))
    unscoped = {key for key, route in routes.items() if not _scopes(route.dependant)}
    assert sorted(unscoped - WITHOUT_SCOPES.keys()) == [], "routes without an access policy"
    assert sorted(WITHOUT_SCOPES.keys() - routes.keys()) == [], "stale exemptions"


def test_the_check_finds_a_route_without_a_policy(app: FastAPI) -> None:
    @app.get("/v1/unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    unscoped = {k for k, r in _routes(app) if not _scopes(r.dependant)}
    assert "GET /v1/unguarded" in unscoped - WITHOUT_SCOPES.keys()
