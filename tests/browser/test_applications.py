"""Birth-service registration in headless Chromium: a clerk submits and sees the checks, a
bad ID number is refused field by field and stores nothing, a reviewer issues, the PDF
downloads, and its QR code's target verifies the certificate."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, create_engine, func, select

from api.access.accounts import create_staff_user
from api.access.policy import Role
from api.db import unit_of_work
from api.models import BirthServiceApplication, Person
from tests.browser.conftest import CLERK, Portal, Tab
from tests.browser.test_portal import log_in, script_errors
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser

REVIEWER = "portal-reviewer"
AUDITOR = "portal-auditor"


@pytest.fixture
def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture(scope="module")
def staff(portal: Portal) -> None:
    """A reviewer and an auditor of the portal's database."""
    engine = create_engine(portal.settings.database_url)
    try:
        with unit_of_work(engine) as session:
            for username, role, region in (
                (REVIEWER, Role.REVIEWER, "420200"),
                (AUDITOR, Role.AUDITOR, "420000"),
            ):
                create_staff_user(
                    session, username=username, password=STAFF_PASSWORD, role=role, region=region
                )
    finally:
        engine.dispose()


def _read(portal: Portal, query: Any) -> Any:
    engine = create_engine(portal.settings.database_url)
    try:
        with Session(engine) as session:
            return session.exec(query).one()
    finally:
        engine.dispose()


def _application_count(portal: Portal) -> int:
    count: int = _read(portal, select(func.count()).select_from(BirthServiceApplication))
    return count


def _new_context_page(tab: Tab) -> Any:
    context = tab.page.context.browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 768},
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    page.goto(tab.page.url.split("#")[0])
    return page


def _applicant(page: Any) -> Any:
    return page.locator("#application-form").get_by_role("group", name="申请人")


def _fill_application(page: Any, name: str, id_number: str) -> None:
    _applicant(page).get_by_label("姓名").fill(name)
    _applicant(page).get_by_label("公民身份号码").fill(id_number)
    _applicant(page).get_by_label("联系电话").fill("13800138000")
    page.get_by_label("本次登记子女孩次").fill("3")


def test_a_clerk_submits_sees_checks_and_a_reviewer_issues_a_verifiable_certificate(
    tab: Tab, portal: Portal, staff: None, expect: Any, shot: Any, tmp_path: Path
) -> None:
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 768})
    person: Person = _read(
        portal, select(Person).where(Person.id_number == portal.person_id_number)
    )
    log_in(page, CLERK)
    page.get_by_role("link", name="生育服务登记").click()
    expect(page.get_by_role("heading", name="生育服务登记", exact=True)).to_be_visible()
    assert page.locator("#application-form").get_attribute("method") == "post"
    before = _application_count(portal)

    # A wrong check character: the field says so in Chinese, and nothing is stored.
    good = person.id_number
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    _fill_application(page, person.name, bad)
    page.get_by_label("户籍地行政区划代码").fill(person.household_region or "420202")
    page.get_by_label("现居住地行政区划代码").fill(person.household_region or "420202")
    page.get_by_role("button", name="提交申请").click()
    field_error = page.locator("#app-applicant-id-error")
    expect(field_error).to_have_text("公民身份号码校验位不正确，请逐位核对")
    expect(page.locator("#app-applicant-id")).to_have_attribute("aria-invalid", "true")
    shot(page, "20-application-field-error")
    assert _application_count(portal) == before

    # Corrected: submitted, and the checks against shared data are shown at once.
    _applicant(page).get_by_label("公民身份号码").fill(good)
    page.get_by_role("button", name="提交申请").click()
    detail = page.locator("#application-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("data-status", "submitted")
    checks = page.locator("#application-checks tbody tr")
    expect(checks).to_have_count(6)
    expect(
        page.locator('#application-checks tr[data-check="applicant_on_record"]')
    ).to_have_attribute("data-result", "pass")
    expect(detail).to_contain_text("第3孩")
    expect(page.locator("#my-applications tbody tr").first).to_contain_text(person.name)
    shot(page, "21-application-submitted")
    assert _application_count(portal) == before + 1
    application_id = detail.get_attribute("data-id")

    # The reviewer finds it in the queue, sees checks and history, and issues.
    review = _new_context_page(tab)
    log_in(review, REVIEWER)
    review.get_by_role("link", name="审核发证").click()
    row = review.locator(f'#review-queue tr[data-id="{application_id}"]')
    row.get_by_role("button", name="办理").click()
    expect(review.locator("#review-checks tbody tr")).to_have_count(6)
    expect(review.locator("#review-history > li")).to_have_count(1)
    review.get_by_role("button", name="发证", exact=True).click()
    expect(review.locator("#issued-box")).to_be_visible()
    certificate_no = review.locator("#issued-no").inner_text()
    code = review.locator("#issued-code").inner_text()
    assert re.fullmatch(r"\d{6}-\d{4}-\d{6}", certificate_no)
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    shot(review, "22-application-issued")

    with review.expect_download() as downloading:
        review.get_by_role("button", name="下载证明PDF（含核验码）").click()
    pdf = tmp_path / "certificate.pdf"
    downloading.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # The QR code's target (also printed under it) verifies the certificate.
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    printed = re.search(r"核验网址：(\S+)", text.decode()).group(1)  # type: ignore[union-attr]
    if shutil.which("zbarimg"):
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True
        )
        decoded = (
            subprocess.run(
                ["zbarimg", "-q", "--raw", str(next(tmp_path.glob("page*.png")))],
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .strip()
        )
        assert decoded == printed
    base = portal.settings.public_base_url
    assert printed.startswith(base + "/portal/verify.html?")
    verify = _new_context_page(tab)
    verify.goto(portal.base_url + printed.removeprefix(base))
    result = verify.locator("#verify-result")
    expect(result).to_have_attribute("data-valid", "true")
    expect(verify.locator("#verify-verdict")).to_contain_text("有效")
    expect(verify.locator("#verify-holder")).to_have_text(
        person.name[0] + "*" * (len(person.name) - 1)
    )
    shot(verify, "23-certificate-verified")
    assert script_errors(tab) == []


def test_the_auditor_lands_on_the_audit_log(tab: Tab, staff: None, expect: Any, shot: Any) -> None:
    page = tab.page
    log_in(page, AUDITOR)

    expect(page.get_by_role("heading", name="审计日志", exact=True)).to_be_focused()
    expect(page.locator("#page-audit")).to_have_attribute("data-loaded", "true")
    assert page.locator("#audit-events tbody tr").count() > 1
    page.get_by_label("数据类别").select_option("birth-service-applications")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#audit-events tbody tr").first).to_contain_text("生育服务登记")
    shot(page, "24-audit-log")
    assert script_errors(tab) == []


def test_the_dashboard_charts_the_online_share(tab: Tab, expect: Any) -> None:
    page = tab.page
    log_in(page)
    page.get_by_role("link", name="统计看板").click()

    chart = page.locator("#chart-online-share svg.bar-chart")
    expect(chart).to_be_visible()
    assert chart.locator("rect.bar").count() > 0
    expect(page.locator("#chart-online-share .figure")).to_contain_text("%")


def test_a_clerk_answers_a_correction_request_and_resubmits(
    tab: Tab, portal: Portal, staff: None, expect: Any
) -> None:
    import httpx

    def bearer(username: str) -> dict[str, str]:
        response = httpx.post(
            portal.url("/oauth/token"),
            data={"grant_type": "password", "username": username, "password": STAFF_PASSWORD},
        )
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    url = portal.url("/v1/birth-service-applications")
    body = {
        "applicant": {"id_number": "420202199203150029", "name": "王芳", "phone": "13800138000"},
        "household_region": "420202",
        "residence_region": "420202",
        "child_order": 2,
        "channel": "counter",
        "commitment": True,
    }
    created = httpx.post(url, json=body, headers=bearer(CLERK)).json()
    sent_back = httpx.post(
        f"{url}/{created['id']}/request-correction",
        json={"reasons": ["联系电话无法接通，请核实"]},
        headers=bearer(REVIEWER),
    )
    assert sent_back.status_code == 200, sent_back.text

    page = tab.page
    log_in(page, CLERK)
    page.get_by_role("link", name="生育服务登记").click()
    page.get_by_label("申请状态").select_option("needs_correction")
    page.get_by_role("button", name="筛选").click()
    row = page.locator(f'#my-applications tr[data-id="{created["id"]}"]')
    row.get_by_role("button", name="查看").click()
    page.get_by_role("button", name="补正并重新提交").click()
    expect(page.locator("#correction-note")).to_contain_text("联系电话无法接通，请核实")
    _applicant(page).get_by_label("联系电话").fill("13900139000")
    page.get_by_role("button", name="重新提交", exact=True).click()

    detail = page.locator("#application-detail")
    expect(detail).to_have_attribute("data-status", "submitted")
    expect(detail).to_contain_text("13900139000")
    expect(page.locator("#application-history > li")).to_have_count(3)
    assert script_errors(tab) == []
