"""/docs renders the contract without internet: every asset from this service, none from a CDN."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import PROBLEM_JSON

REFERENCE = re.compile(r"""(?:src|href|data-openapi-url)="([^"]*)\"""")
OUTSIDE = re.compile(r"(?:https?:)?//[^\s\"')]+")


def references(page: str) -> list[str]:
    return REFERENCE.findall(page)


def test_docs_is_swagger_ui_served_by_this_service(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="swagger-ui"' in response.text
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-init.js"} <= set(
        references(response.text)
    )


def test_docs_references_no_outside_host(client: TestClient) -> None:
    page = client.get("/docs").text
    script = client.get("/docs/assets/swagger-init.js").text

    assert OUTSIDE.findall(page) == []
    assert OUTSIDE.findall(script) == []
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references(page))


def test_every_asset_the_page_references_answers(client: TestClient) -> None:
    expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for ref in references(client.get("/docs").text):
        response = client.get(ref)
        assert response.status_code == 200, ref
        suffix = "." + ref.rsplit(".", 1)[-1]
        wanted = expected.get(suffix, "application/json")
        assert response.headers["content-type"].startswith(wanted), ref
        assert response.content, ref


def test_swagger_ui_is_started_without_the_outside_validator(client: TestClient) -> None:
    script = client.get("/docs/assets/swagger-init.js").text

    assert "validatorUrl: null" in script
    assert "SwaggerUIBundle(" in script
    assert "dataset.openapiUrl" in script


def test_the_page_runs_under_a_policy_that_admits_only_this_service(client: TestClient) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe-eval" not in policy


def test_an_unknown_asset_is_a_problem_404(client: TestClient) -> None:
    for name in ("redoc.standalone.js", "..%2Fcore.py", "swagger-ui.js"):
        response = client.get(f"/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_behind_a_path_prefix_the_page_names_its_assets_under_it(app: FastAPI) -> None:
    with TestClient(app, root_path="/vitalx") as prefixed:
        page = prefixed.get("/docs").text

    assert references(page) and all(ref.startswith("/vitalx/") for ref in references(page))
