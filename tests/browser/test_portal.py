"""The staff portal in headless Chromium: login, person look-up, worklist, dashboard."""

import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session, create_engine, func, select

from api.models import Discrepancy
from api.validation import mask_id_number
from tests.browser.conftest import CLERK, LOCKABLE, Portal, Tab
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def expect() -> Any:
    """Playwright's waiting assertions (imported here: `make test` runs without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def log_in(page: Any, username: str = CLERK, password: str = STAFF_PASSWORD) -> None:
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def script_errors(tab: Tab) -> list[str]:
    """Console errors other than the browser's note of an answered 4xx request."""
    return [e for e in tab.errors if not e.startswith("Failed to load resource")]


def token(portal: Portal) -> str:
    response = httpx.post(
        portal.url("/oauth/token"),
        data={"grant_type": "password", "username": CLERK, "password": STAFF_PASSWORD},
    )
    assert response.status_code == 200, response.text
    access_token: str = response.json()["access_token"]
    return access_token


def discrepancy_count(portal: Portal) -> int:
    engine = create_engine(portal.settings.database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(Discrepancy)).one()
    finally:
        engine.dispose()


def test_a_wrong_password_is_refused_in_chinese_and_the_right_one_shows_the_menu(
    tab: Tab, expect: Any, shot: Any
) -> None:
    page = tab.page
    expect(page).to_have_title(re.compile("工作人员门户"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    shot(page, "01-login")

    log_in(page, password="not the password")
    expect(page.get_by_role("alert").filter(has_text="用户名或密码错误")).to_be_visible()
    expect(page.get_by_role("navigation", name="主菜单")).to_be_hidden()
    shot(page, "02-login-wrong-password")

    log_in(page)
    menu = page.get_by_role("navigation", name="主菜单")
    expect(menu.get_by_role("link")).to_have_text(
        ["人员查询", "生育服务登记", "比对工作清单", "销号月报", "统计看板"]
    )
    expect(menu.get_by_role("button", name="退出")).to_be_visible()
    expect(menu).to_contain_text(CLERK)
    assert script_errors(tab) == []


def test_a_locked_account_is_told_so(tab: Tab, portal: Portal, expect: Any) -> None:
    for _ in range(portal.settings.login_max_failures):
        httpx.post(
            portal.url("/oauth/token"),
            data={"grant_type": "password", "username": LOCKABLE, "password": "wrong"},
        )

    log_in(tab.page, username=LOCKABLE)

    # Locked, unknown and wrong are told alike (issue #9): the message names both.
    expect(tab.page.locator("#login-error")).to_have_text(
        "用户名或密码错误；多次输错后账号会被临时锁定，请稍后再试。"
    )


def test_login_works_from_the_keyboard(tab: Tab, expect: Any) -> None:
    page = tab.page
    page.get_by_label("用户名", exact=True).focus()
    page.keyboard.type(CLERK)
    page.keyboard.press("Tab")
    page.keyboard.type(STAFF_PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="人员查询", exact=True)).to_be_focused()


def test_person_look_up_is_masked_until_a_purpose_is_stated_and_lands_in_the_access_log(
    tab: Tab, portal: Portal, expect: Any, shot: Any
) -> None:
    page = tab.page
    full = portal.person_id_number
    log_in(page)
    page.get_by_role("link", name="人员查询").click()

    page.get_by_label("公民身份号码", exact=True).fill(full)
    page.get_by_role("button", name="查询", exact=True).click()

    shown = page.locator("#person-id-number")
    expect(shown).to_contain_text(mask_id_number(full))
    expect(shown).to_contain_text("部分隐藏")
    assert full not in page.content()
    # The mask hides the birth date digits: the card must not show them beside it.
    birth_date = f"{full[6:10]}-{full[10:12]}-{full[12:14]}"
    assert birth_date not in page.content() and full[6:14] not in page.content()
    shot(page, "03-person-masked")

    page.get_by_label("用途", exact=True).select_option("citizen-request")
    page.get_by_label("事项编号", exact=True).fill("QZ-2026-0042")
    page.get_by_role("button", name="说明用途后查看完整证件号").click()

    expect(shown).to_contain_text(full)
    expect(page.locator("#person-fields")).to_contain_text(birth_date)
    newest = page.locator("#access-log tbody tr").first
    expect(newest).to_contain_text("群众申请")
    expect(newest).to_contain_text("QZ-2026-0042")
    expect(newest).to_contain_text("按证件号查询")
    expect(newest).to_contain_text(CLERK)
    expect(page.locator("#access-log tbody tr")).not_to_have_count(1)  # the masked look-up too
    shot(page, "04-person-unmasked-access-log")
    assert script_errors(tab) == []


def test_an_unknown_id_number_is_not_found_in_chinese(tab: Tab, expect: Any) -> None:
    page = tab.page
    log_in(page)
    page.get_by_label("公民身份号码", exact=True).fill("11010519491231002X")
    page.get_by_role("button", name="查询", exact=True).click()

    expect(page.locator("#lookup-error")).to_contain_text("未找到该证件号码对应的人员")


# The worklist, its discrepancy page and the closure report: tests/browser/test_worklist.py.


def test_the_dashboard_draws_charts_of_the_statistics(
    tab: Tab, portal: Portal, expect: Any, shot: Any
) -> None:
    page = tab.page
    log_in(page)
    page.get_by_role("link", name="统计看板").click()

    expect(page.locator("#page-dashboard")).to_have_attribute("data-loaded", "true")
    for card in ("chart-births", "chart-sex-ratio", "chart-completeness", "chart-closure"):
        chart = page.locator(f"#{card} svg.bar-chart")
        expect(chart).to_be_visible()
        assert chart.locator("rect.bar").count() > 0, card
    params = {
        "from": page.get_by_label("起始日期").input_value(),
        "to": page.get_by_label("截止日期").input_value(),
    }
    births = httpx.get(
        portal.url("/v1/stats/births-by-month"),
        params=params,
        headers={"Authorization": f"Bearer {token(portal)}"},
    ).json()
    assert births["total"]["births"] > 0
    expect(page.locator("#chart-births .figure")).to_have_text(
        f"合计 {births['total']['births']} 人"
    )
    expect(page.locator("#chart-births svg rect.bar")).to_have_count(12)  # one per month
    shot(page, "08-dashboard")
    assert script_errors(tab) == []


def test_logging_out_forgets_and_revokes_the_token(tab: Tab, portal: Portal, expect: Any) -> None:
    page = tab.page
    log_in(page)
    expect(page.get_by_role("navigation", name="主菜单")).to_be_visible()
    held = page.evaluate("sessionStorage.getItem('vitalx.portal.token')")

    page.get_by_role("button", name="退出").click()

    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator("#notice")).to_have_text("您已安全退出。")
    assert page.evaluate("sessionStorage.getItem('vitalx.portal.token')") is None
    after = httpx.get(
        portal.url("/v1/stats/sex-ratio"), headers={"Authorization": f"Bearer {held}"}
    )
    assert after.status_code == 401


def test_portal_files_carry_their_types_and_a_strict_content_security_policy(
    portal: Portal,
) -> None:
    page = httpx.get(portal.url())
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    # Every script is a file of its own: nothing inline for the policy to allow.
    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script type="module" src="/portal/app.js">'
    ]
    script = httpx.get(portal.url("/portal/app.js"))
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert (
        httpx.get(portal.url("/portal/portal.css")).headers["content-type"].startswith("text/css")
    )
    assert httpx.get(portal.url("/portal/nothing.js")).status_code == 404
    assert httpx.get(portal.url("/portal/..%2Fapp.py")).status_code == 404
    redirect = httpx.get(portal.url("/portal"))
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/portal/")
