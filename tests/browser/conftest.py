"""The portal served for real: the app under uvicorn in a thread, and Debian's Chromium.

One server and one browser serve the whole module; each test gets a fresh browser
context (its own sessionStorage). The database is a fresh copy of the migrated template
with the demo population, a cross-check run and a clerk whose password the tests know.
Playwright is imported only here, inside fixtures, so that `make test` (which deselects
these tests) does not need it. Set VITALX_TEST_PORTAL_SHOTS to a folder to keep screenshots.
"""

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlmodel import col, select

from api.access.accounts import create_staff_user
from api.access.policy import Role
from api.app import create_app
from api.config import Settings
from api.crosscheck.runs import operator_access
from api.crosscheck.worker import run_now
from api.db import unit_of_work
from api.demo.population import seed_demo
from api.models import Person
from api.validation import today_in_china
from tests.conftest import STAFF_PASSWORD
from tests.harness import Template, make_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CLERK = "portal-clerk"  # health-commission clerk of 黄石市 (420200)
LOCKABLE = "portal-lockable"
STARTUP_SECONDS = 20
# The cross-check looks 40 days back, so that its items are already past their due date.
RUN_DAYS_AGO = 40


@dataclass(frozen=True)
class Portal:
    """The running server and what the tests know about its data."""

    base_url: str
    settings: Settings
    person_id_number: str
    today: date

    def url(self, path: str = "/portal/") -> str:
        return self.base_url + path


def _seed(settings: Settings, engine: Any) -> str:
    today = today_in_china()
    with unit_of_work(engine) as session:
        seed_demo(session, births=150, seed=20261124, as_of=today)
        for username in (CLERK, LOCKABLE):
            create_staff_user(
                session,
                username=username,
                password=STAFF_PASSWORD,
                role=Role.CLERK,
                region="420200",
            )
    run = run_now(
        engine,
        access=operator_access("portal-tests", "420200"),
        settings=settings,
        region="420200",
        as_of=today - timedelta(days=RUN_DAYS_AGO),
    )
    assert run is not None and run.status == "succeeded", run
    with unit_of_work(engine) as session:
        # An adult woman of 黄石港区: someone a clerk of 420200 may look up.
        person = session.exec(
            select(Person)
            .where(col(Person.jurisdiction_region).startswith("420202"), Person.sex == "female")
            .order_by(col(Person.birth_date), col(Person.id))
        ).first()
        assert person is not None
        return person.id_number


def _wait_until_up(server: uvicorn.Server, thread: threading.Thread, base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the portal's server stopped while starting")
        if server.started:
            try:
                if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"the portal's server did not start within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def portal(
    database_template: Template, tmp_path_factory: pytest.TempPathFactory, signing_key_file: Path
) -> Iterator[Portal]:
    """The app on a free port of 127.0.0.1, seeded, until the module's tests are done."""
    url = database_template.fresh_database(tmp_path_factory.mktemp("portal"))
    settings = make_settings(url, signing_key_file)
    app = create_app(settings)
    person = _seed(settings, app.state.engine)
    # The socket is bound before the server starts, so no other process can take the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_up(server, thread, base_url)
        yield Portal(base_url, settings, person, today_in_china())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page of a fresh browser context, and the console errors it has shown."""

    page: Any
    errors: list[str]


@pytest.fixture
def tab(browser: Any, portal: Portal) -> Iterator[Tab]:
    """A fresh context (nothing in sessionStorage) on the portal's login page."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    # A CSP violation, a script error or a failed request shows up here.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(portal.url())
    try:
        yield Tab(page, errors)
    finally:
        context.close()


@pytest.fixture
def shot() -> Any:
    """`shot(page, name)`: a full-page screenshot, kept in VITALX_TEST_PORTAL_SHOTS if set."""
    folder = os.environ.get("VITALX_TEST_PORTAL_SHOTS")

    def take(page: Any, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
