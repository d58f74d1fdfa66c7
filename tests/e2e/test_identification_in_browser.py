"""The identification procedure in a real browser: Debian's Chromium driven by Playwright.

A village cadre on a 360-px phone opens an overdue lead from the work queue, accepts it and
records the household visit (category, risk codes, the signed consent); the data officer and
the village review follow. A public notice must really run five days, and the web records
steps at the server's clock, so a second case was taken to the notice through the services
with past dates: on it the cadre closes the notice, the township reviewer approves, the county
approver approves (each logged in as themselves, in their own browser context) and the cadre
registers it — after which the household page shows the case as 监测帮扶.

Screenshots go to a temporary folder, or to ``docs/screenshots/`` with ``JINGZHUN_SCREENSHOTS=1``
(how the README's pictures are refreshed). Without ``/usr/bin/chromium`` the test is skipped,
unless ``JINGZHUN_REQUIRE_BROWSER=1`` (CI installs Chromium and sets it).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from jingzhun.web.app import create_app

from ..integration.web.conftest import PASSWORD, County, advance

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 860}

if not CHROMIUM.exists():
    if os.environ.get("JINGZHUN_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium required but /usr/bin/chromium is missing (apt-get install chromium fonts-noto-cjk)")
    pytest.skip("no /usr/bin/chromium", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture
def store_url(tmp_path: Path) -> str:  # one backend is enough here: the services are tested on both
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("JINGZHUN_SCREENSHOTS") == "1":
        out = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    else:
        out = tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def server(county: County) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(county.engine, county.settings), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"])
        yield b
        b.close()


def log_in(browser: Browser, base: str, user: str, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login?next=/")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    return page


def take(page: Page, form_title: str) -> None:
    """Submit the step form whose heading is ``form_title``."""
    form = page.locator("form.step", has=page.get_by_role("heading", name=form_title))
    for box in form.locator("input[name=evidence]").all():
        box.check()
    form.get_by_role("button", name=form_title).click()
    expect(page.get_by_role("status")).to_contain_text("已办理")


def test_a_lead_becomes_a_monitored_household_through_the_pages(county, server, browser, shots):
    first, second = county.cases_a[0], county.cases_a[1]
    advance(county, second)

    cadre = log_in(browser, server, "cadre_a", PHONE)
    cadre.screenshot(path=str(shots / "queue-phone.png"), full_page=True)
    cadre.get_by_role("link", name=first).click()
    take(cadre, "受理线索")
    form = cadre.locator("form.step", has=cadre.get_by_role("heading", name="提交入户核实"))
    form.locator("input[name=evidence]").nth(0).check()  # the consent is forgotten first …
    form.get_by_label("监测类别").select_option("marginal_at_risk")
    form.get_by_label("01 因病").check()
    cadre.screenshot(path=str(shots / "visit-phone.png"), full_page=True)
    form.get_by_role("button", name="提交入户核实").click()
    expect(cadre.get_by_role("status")).to_contain_text("缺少材料")  # … and the step is refused
    take(cadre, "提交入户核实")
    expect(cadre.get_by_role("heading", name=f"案件 {first} · 信息比对")).to_be_visible()

    data = log_in(browser, server, "data", DESKTOP)
    data.goto(f"{server}/cases/{first}")
    take(data, "完成信息比对")
    take_as_cadre = log_in(browser, server, "cadre_a", PHONE)
    take_as_cadre.goto(f"{server}/cases/{first}")
    take(take_as_cadre, "民主评议通过，开始公示")
    expect(take_as_cadre.get_by_role("heading", name=f"案件 {first} · 公示")).to_be_visible()

    cadre.goto(f"{server}/cases/{second}")
    take(cadre, "公示期满无异议")
    town = log_in(browser, server, "town_a", DESKTOP)
    town.goto(f"{server}/cases/{second}")
    take(town, "乡镇审核通过")
    county_page = log_in(browser, server, "county", DESKTOP)
    county_page.goto(f"{server}/cases/{second}")
    take(county_page, "县级审批同意纳入")
    county_page.screenshot(path=str(shots / "case-approved.png"), full_page=True)
    cadre.goto(f"{server}/cases/{second}")
    take(cadre, "结果公告后录入系统、建档")

    household = county.households_a[1]
    cadre.goto(f"{server}/households/{household}")
    expect(cadre.get_by_text(f"{second}：监测帮扶")).to_be_visible()
    cadre.screenshot(path=str(shots / "household-phone.png"), full_page=True)
    assert "**********" in cadre.content()
