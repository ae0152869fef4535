"""The worklist in headless Chromium at 1366×768: a clerk opens a discrepancy, sees the child,
the mother and the certificate, assigns it, resolves it, and finds it in the month's closure
report; selected rows are resolved together; the list exports; a supervisor starts a run and
watches its progress while a real `vitalx worker` process carries it out."""

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from api.access.accounts import create_staff_user
from api.access.policy import Role
from api.db import build_engine, unit_of_work
from api.models import Discrepancy
from api.validation import today_in_china
from tests.browser.conftest import CLERK, Portal, Tab
from tests.conftest import STAFF_PASSWORD
from tests.crosscheck.support import ROOT, worker_environment

pytestmark = pytest.mark.browser
SUPERVISOR = "portal-supervisor"


@pytest.fixture
def expect() -> Any:
    """Playwright's waiting assertions (imported here: `make test` runs without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture
def small_screen(browser: Any, portal: Portal) -> Iterator[Tab]:
    """A fresh context on a 1366×768 screen, the size of a county office's laptop."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(portal.url())
    try:
        yield Tab(page, errors)
    finally:
        context.close()


def log_in(page: Any, username: str = CLERK) -> None:
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()


def script_errors(tab: Tab) -> list[str]:
    return [e for e in tab.errors if not e.startswith("Failed to load resource")]


def count(portal: Portal, *conditions: Any) -> int:
    engine = build_engine(portal.settings.database_url)
    try:
        with Session(engine) as session:
            query = select(func.count()).select_from(Discrepancy).where(*conditions)
            return session.exec(query).one()
    finally:
        engine.dispose()


def test_a_clerk_opens_assigns_and_resolves_a_discrepancy_then_finds_it_in_the_report(
    small_screen: Tab, portal: Portal, expect: Any, shot: Any
) -> None:
    page = small_screen.page
    log_in(page)
    page.get_by_role("link", name="比对工作清单").click()
    rows = page.locator("#worklist tbody tr[data-id]")
    expect(rows.first).to_be_visible()
    expect(page.locator("#worklist tbody tr.overdue").first).to_contain_text("已逾期")
    page.get_by_label("问题类型").select_option("BIRTH_NOT_REGISTERED")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(count(portal, col(Discrepancy.type) == "BIRTH_NOT_REGISTERED"))
    row = rows.first
    certificate = row.locator("td").nth(3).inner_text()
    assert re.fullmatch(r"[A-Z][0-9]{9}", certificate)
    shot(page, "worklist-01-list")

    row.get_by_role("link", name=re.compile("^查看")).click()
    expect(page).to_have_url(re.compile(r"#/discrepancy/[0-9a-f-]{36}$"))
    discrepancy_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#d-type")).to_have_text("出生未登记户口")
    expect(page.locator("#d-explanation")).to_contain_text("仍未办理出生户口登记")
    child = page.locator("#d-child")
    expect(child).to_contain_text(certificate)
    expect(child).to_contain_text("出生日期")
    mother = page.locator("#d-mother")
    expect(mother).to_contain_text("母亲姓名")
    expect(mother.locator("dd").nth(1)).to_have_text(re.compile(r"^\d{6}\*{8}\d{3}[0-9X]$"))
    expect(page.locator("#d-links")).to_contain_text("/v1/births/")
    shot(page, "worklist-02-detail")

    detail = page.locator("#page-discrepancy")
    detail.get_by_label("指派给").select_option(CLERK)
    detail.get_by_role("button", name="指派", exact=True).click()
    expect(page.locator("#notice")).to_have_text(f"已指派给 {CLERK}。")
    expect(page.locator("#d-facts")).to_contain_text(CLERK)

    detail.get_by_label("处理结果").select_option("confirmed_correct")
    detail.get_by_label("处理说明").fill("已电话联系家长，孩子已于外省落户，核实无误。")
    detail.get_by_role("button", name="提交处理结果").click()
    expect(page.locator("#notice")).to_have_text("已处理：经核实无误。")
    expect(page.locator("#d-facts")).to_contain_text("已处理")
    expect(page.locator("#d-resolve-form")).to_be_hidden()
    expect(page.locator("#d-history tbody tr")).to_have_count(3)
    shot(page, "worklist-03-resolved")

    page.get_by_role("link", name="销号月报").click()
    expect(page.get_by_label("月份")).to_have_value(today_in_china().strftime("%Y-%m"))
    total = page.locator("#report-table tfoot tr")
    expect(total).to_contain_text("合计")
    expect(total.locator("td").nth(4)).to_have_text("1")  # closed by staff this month
    closed = page.locator(f'#report-closed tbody tr[data-id="{discrepancy_id}"]')
    expect(closed).to_contain_text(certificate)
    expect(closed).to_contain_text("经核实无误")
    expect(closed).to_contain_text(CLERK)
    shot(page, "worklist-04-report")
    assert script_errors(small_screen) == []


def test_selected_rows_are_resolved_together(
    small_screen: Tab, portal: Portal, expect: Any
) -> None:
    page = small_screen.page
    log_in(page)
    page.get_by_role("link", name="比对工作清单").click()
    page.get_by_label("状态", exact=True).select_option("open")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("#worklist tbody tr[data-id]")
    before = count(portal, col(Discrepancy.status) == "open")
    expect(rows).to_have_count(before)
    picked = [rows.nth(i).get_attribute("data-id") for i in range(2)]
    for i in range(2):
        rows.nth(i).get_by_role("checkbox").check()
    page.get_by_role("button", name="批量处理所选（2 条）").click()
    dialog = page.get_by_role("dialog", name="批量处理比对问题")
    dialog.get_by_label("处理结果").select_option("not_applicable")
    dialog.get_by_label("处理说明").fill("系统迁移遗留数据，不适用。")
    dialog.get_by_role("button", name="提交").click()
    expect(page.locator("#notice")).to_have_text("已处理 2 条。")
    expect(rows).to_have_count(before - 2)
    for discrepancy_id in picked:
        expect(page.locator(f'#worklist tr[data-id="{discrepancy_id}"]')).to_have_count(0)
    assert script_errors(small_screen) == []


def test_the_worklist_exports_a_workbook_in_chinese(
    small_screen: Tab, portal: Portal, expect: Any
) -> None:
    page = small_screen.page
    log_in(page)
    page.get_by_role("link", name="比对工作清单").click()
    expect(page.locator("#worklist tbody tr[data-id]").first).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="导出Excel").click()
    download = downloading.value
    assert re.fullmatch(r"比对问题清单-\d{8}\.xlsx", download.suggested_filename)
    with open(download.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read()), read_only=True)["比对问题"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("问题类型", "地区", "问题说明")
    assert len(rows) == 1 + count(portal)


def test_a_supervisor_starts_a_run_and_watches_its_progress(
    small_screen: Tab, portal: Portal, expect: Any, shot: Any
) -> None:
    engine = build_engine(portal.settings.database_url)
    try:
        with unit_of_work(engine) as session:
            create_staff_user(
                session,
                username=SUPERVISOR,
                password=STAFF_PASSWORD,
                role=Role.SUPERVISOR,
                region="420200",
            )
    finally:
        engine.dispose()
    command = [
        sys.executable,
        "-c",
        "from api.cli.main import app; app()",
        "worker",
        "--no-schedule",
    ]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=worker_environment(portal.settings), stdout=subprocess.DEVNULL
    )
    try:
        page = small_screen.page
        log_in(page, SUPERVISOR)
        page.get_by_role("link", name="比对工作清单").click()
        card = page.locator("#run-card")
        expect(card).to_be_visible()
        expect(page.get_by_label("比对地区代码")).to_have_value("420200")
        page.get_by_role("button", name="开始比对").click()
        status = page.locator("#run-status")
        expect(status).to_contain_text(re.compile("排队中|比对中|已完成"))
        shot(page, "worklist-05-run-started")
        expect(status).to_contain_text("已完成：比对完成（100%）", timeout=120_000)
        expect(page.locator("#run-bar")).to_have_attribute("value", "100")
        shot(page, "worklist-06-run-done")
        assert script_errors(small_screen) == []
    finally:
        worker.terminate()
        worker.wait(timeout=30)
