"""The contract, readable without internet: `/openapi.json` (and `/v1/openapi.json`) and
Swagger UI at `/docs`, its scripts and styles served from the installed package.

Government networks have no route to a CDN. Swagger UI's files come from the
`fastapi-offline` package (MIT licence; version 1.7.7 ships Swagger UI 5.32.6, Apache-2.0,
unchanged): a dependency in pyproject.toml, so an upgrade is a version bump, not a copy,
and nothing is vendored into this repository. The page starts Swagger UI
from a script of our own rather than inline code, so that it runs under a strict
Content-Security-Policy, and turns off the badge that would ask an outside validator.
"""

import html
from functools import partial
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from api.errors import NotFound
from api.routers.openapi import build_openapi

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs/assets"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
# Only these files, by name: no path from the request reaches the file system.
SHIPPED = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")
INIT_SCRIPT = "swagger-init.js"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # Swagger UI sets a few style attributes from script.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vitalx 接口文档 · API reference</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""

INIT = """// Starts Swagger UI on #swagger-ui with the document its data-openapi-url names.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    domNode: element,
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // null: never send the document to an outside validator for the badge.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
"""


def openapi_document(request: Request) -> JSONResponse:
    """The OpenAPI document, at /openapi.json and /v1/openapi.json."""
    return JSONResponse(request.app.openapi())


def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every asset from this service, none from the internet."""
    root = html.escape(request.scope.get("root_path", ""), quote=True)
    page = PAGE.format(assets=root + ASSETS_PATH, openapi=root + "/openapi.json")
    return HTMLResponse(page, headers=SECURITY_HEADERS)


def swagger_asset(request: Request) -> Response:
    """A script, style sheet or icon of the documentation page."""
    name = request.path_params["name"]
    if name == INIT_SCRIPT:
        return Response(INIT, media_type=MEDIA_TYPES[".js"], headers=SECURITY_HEADERS)
    if name not in SHIPPED:
        raise NotFound("No such documentation asset.")
    path = ASSETS_DIR / name
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


def install_docs(app: FastAPI) -> None:
    """Serve the typed document and its offline rendering (no token needed).

    Plain routes, not API operations: they are not in the document they serve.
    """
    app.openapi = partial(build_openapi, app)  # type: ignore[method-assign]
    for path in ("/openapi.json", "/v1/openapi.json"):
        app.add_route(path, openapi_document, methods=["GET"], include_in_schema=False)
    app.add_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_route(ASSETS_PATH + "/{name}", swagger_asset, methods=["GET"], include_in_schema=False)
