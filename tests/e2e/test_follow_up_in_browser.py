"""Follow-ups (回访) and "四个不摘" in a real browser: the county's report on a desktop, a visit on a 360-px phone.

A household of village C of the web tests' synthetic county was identified, helped and
eliminated in 2025 through the services (``follow_up_support``) and never visited: its first
quarterly visit was due on 2025-09-12. The county approver opens 四个不摘 from the menu and sees
its two gaps (no helper, the visit overdue). The village's cadre, on a phone, sees the overdue
visit on the work queue, follows it to the case, records a visit, and the visit leaves the
overdue list. No page may be wider than the phone; the screenshots are ``supervision-desktop.png``
and ``follow-up-phone.png`` (``docs/screenshots/`` with ``JINGZHUN_SCREENSHOTS=1``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..integration.web.conftest import County
from ..integration.web.follow_up_support import FIRST_DUE, eliminated_household, on_the_scenario_day  # noqa: F401
from .test_identification_in_browser import DESKTOP, PHONE, browser, log_in, server, shots, store_url  # noqa: F401

pytestmark = pytest.mark.usefixtures("on_the_scenario_day")  # "overdue" as on the scenario's day


def test_the_county_sees_the_gaps_and_the_cadre_records_the_overdue_visit_on_its_phone(
    county: County, request: pytest.FixtureRequest
) -> None:
    e = eliminated_household(county)
    base, chromium, out = (request.getfixturevalue(name) for name in ("server", "browser", "shots"))

    desk = log_in(chromium, base, "county", DESKTOP)
    desk.get_by_role("link", name="四个不摘").click()
    expect(desk.get_by_role("heading", name="“四个不摘”监督")).to_be_visible()
    gaps = desk.locator("table.gaps tbody tr")
    expect(gaps).to_have_count(2)
    expect(gaps.first).to_contain_text("没有在岗的帮扶联系人")
    expect(gaps.nth(1)).to_contain_text(f"应于 {FIRST_DUE} 前回访")
    desk.screenshot(path=str(out / "supervision-desktop.png"), full_page=True)

    page = log_in(chromium, base, "cadre_c", PHONE)
    visit = page.locator("table.visits tbody tr").filter(has_text=e.household_id)
    expect(visit).to_contain_text("已逾期")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visit.get_by_role("link", name=e.household_id).click()
    expect(page).to_have_url(re.compile(rf"/cases/{e.case_id}#follow-up$"))
    form = page.get_by_role("form", name="记录回访")
    expect(form).to_be_visible()
    form.get_by_label("回访情况").fill("户主在县城务工，月收入稳定；子女在校，医保已参保")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#follow-up").scroll_into_view_if_needed()  # the section, as the link from the queue lands on it
    page.screenshot(path=str(out / "follow-up-phone.png"))
    form.get_by_role("button", name="记录回访").click()
    expect(page.get_by_role("status")).to_contain_text("已记录回访（稳定，无新风险）")
    expect(page.locator("table.visits tbody tr")).to_have_count(1)
    assert not re.search(r"\d{17}[\dX]", page.content())
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="我的工作").click()
    expect(page.get_by_text("辖区内没有已逾期或即将到期的回访")).to_be_visible()
    page.get_by_role("link", name="全部回访").click()
    page.get_by_label("只看已逾期").check()
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有已逾期的回访")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
