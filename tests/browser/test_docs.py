"""/docs in headless Chromium, cut off from the internet: Swagger UI renders every operation
from the service's own files, asks no outside host, and runs under its Content-Security-Policy."""

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from tests.browser.conftest import _wait_until_up
from tests.harness import Template, make_settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def docs_server(
    database_template: Template, tmp_path_factory: pytest.TempPathFactory, signing_key_file: Path
) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, with an empty database: the docs need no data."""
    url = database_template.fresh_database(tmp_path_factory.mktemp("docs"))
    app = create_app(make_settings(url, signing_key_file))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_up(server, thread, base_url)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()


def test_swagger_ui_renders_the_contract_offline(browser: Any, docs_server: str) -> None:
    own = (docs_server, "data:")
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    # A CSP violation or a script error shows up here.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def offline(route: Any) -> None:
        # As on a government network: a request that leaves the service is noted and fails.
        if route.request.url.startswith(own):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    try:
        page.goto(docs_server + "/docs")
        page.get_by_text("/v1/births/{record_id}").first.wait_for(timeout=60_000)
        tags = page.locator(".opblock-tag").all_inner_texts()
        operations = page.locator(".opblock").count()
    finally:
        context.close()

    assert any("出生医学证明" in tag for tag in tags)
    assert operations >= 57
    assert outside == []
    assert errors == []
