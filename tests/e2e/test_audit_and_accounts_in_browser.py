"""The auditor's log and the administrator's accounts in a real browser (Debian's Chromium, Playwright).

Someone mistypes village B's cadre's password; the auditor logs in on an office PC, lands on the
audit log, filters for refused events and finds that login. The administrator lands on the
accounts page, creates a cadre account and sets its password. Both pages must also fit a 360-px
phone without scrolling sideways (the tables scroll inside their box). Screenshots as in the
other browser tests (``docs/screenshots/`` with ``JINGZHUN_SCREENSHOTS=1``).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from ..integration.web.conftest import PASSWORD
from .test_identification_in_browser import DESKTOP, PHONE, browser, server, shots, store_url  # noqa: F401


def log_in_as(chromium: Browser, base: str, user: str, password: str, heading: str) -> Page:
    page = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    return page


def fits_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


def test_the_auditor_finds_a_refused_login_and_the_admin_opens_an_account(county, server, browser, shots):  # noqa: F811
    stranger = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    stranger.goto(f"{server}/login")
    stranger.get_by_label("用户名").fill("cadre_b")
    stranger.get_by_label("密码").fill("guessing-2026")
    stranger.get_by_role("button", name="登录").click()
    expect(stranger.get_by_text("用户名或密码错误")).to_be_visible()
    stranger.context.close()

    auditor = log_in_as(browser, server, "auditor", PASSWORD, "审计日志")
    assert auditor.url == f"{server}/audit"
    filters = auditor.get_by_role("form", name="筛选")
    filters.get_by_label("结果").select_option("denied")
    filters.get_by_role("button", name="筛选").click()
    expect(auditor).to_have_url(f"{server}/audit?since=&actor=&result=denied&action=")
    first = auditor.locator("table.log tbody tr").first
    expect(first).to_contain_text("cadre_b")
    expect(first).to_contain_text("auth.login")
    expect(first).to_contain_text("拒绝")
    expect(first).to_contain_text('"reason": "password"')
    expect(auditor.locator("table.log tbody tr")).to_have_count(1)
    auditor.screenshot(path=str(shots / "audit-log.png"), full_page=True)
    fits_a_phone(auditor)
    auditor.get_by_role("button", name="校验审计链").click()
    expect(auditor.get_by_role("region", name="校验结果")).to_contain_text("审计链完整")

    admin = log_in_as(browser, server, "admin", PASSWORD, "账号管理")
    form = admin.get_by_role("form", name="新建账号")
    form.get_by_label("用户名").fill("cadre_c")
    form.get_by_label("姓名").fill("村干部丙")
    form.get_by_label("角色").select_option("village_cadre")
    form.get_by_label("辖区").fill(county.village_a)
    form.get_by_role("button", name="创建账号").click()
    expect(admin.get_by_role("heading", name="账号 cadre_c")).to_be_visible()
    expect(admin.get_by_role("status")).to_contain_text("已创建账号")
    password = admin.get_by_role("form", name="设置密码")
    password.get_by_label("新密码").fill("村里的新密码 2026")
    password.get_by_label("再次输入").fill("村里的新密码 2026")
    password.get_by_role("button", name="设置密码").click()
    expect(admin.get_by_role("status")).to_contain_text("已设置新密码")
    admin.get_by_role("link", name="返回账号列表").click()
    expect(admin.get_by_role("link", name="cadre_c")).to_be_visible()
    admin.screenshot(path=str(shots / "accounts.png"), full_page=True)
    fits_a_phone(admin)
    log_in_as(browser, server, "cadre_c", "村里的新密码 2026", "我的工作")
