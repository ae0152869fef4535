"""The security-headers middleware on its own: no-store where personal data may travel."""

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.web.headers import SecurityHeaders, never_stored


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(SecurityHeaders)

    @app.get("/v1/cached")
    def cached() -> JSONResponse:
        return JSONResponse({}, headers={"Cache-Control": "max-age=600"})

    @app.get("/portal/page")
    def page() -> JSONResponse:
        return JSONResponse({}, headers={"Cache-Control": "no-cache"})

    return app


def test_v1_answers_are_never_stored_even_when_a_route_says_otherwise() -> None:
    with TestClient(_app()) as client:
        response = client.get("/v1/cached")
        assert response.headers["cache-control"] == "no-store"
        missing = client.get("/v1/missing")
        assert missing.status_code == 404
        assert missing.headers["cache-control"] == "no-store"


def test_other_paths_keep_their_caching_and_all_get_nosniff() -> None:
    with TestClient(_app()) as client:
        response = client.get("/portal/page")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_which_paths_are_never_stored() -> None:
    assert never_stored("/v1/persons") and never_stored("/oauth/token")
    assert not never_stored("/v1") and not never_stored("/healthz")
