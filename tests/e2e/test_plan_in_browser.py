"""A household plan (一户一策) in a real browser: Debian's Chromium on a 360-px phone, driven by Playwright.

A village cadre opens a case on the green channel (taken there, with the visit that confirmed
its risks, through the services), follows the case page's link to the plan, and adds
micro-credit for an able adult from the recommendation — first over the 50,000-yuan cap, which
is refused with the reason and the typed values kept, then within it. The cadre starts the
measure, records an effect review, and the household page shows the plan. The page must not be
wider than the phone. Screenshots go where the identification test's go (``docs/screenshots/``
with ``JINGZHUN_SCREENSHOTS=1``): ``plan-phone.png`` and ``plan-desktop.png``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from ..integration.web.conftest import County, green_channel
from .test_identification_in_browser import DESKTOP, PHONE, browser, log_in, server, shots, store_url  # noqa: F401


def credit_for(page: Page, name: str) -> Locator:
    """The recommended micro-credit for the member ``name`` (under the first risk it addresses)."""
    return page.locator("section.option", has_text="脱贫人口小额信贷").filter(has_text=name).first


def test_a_cadre_plans_micro_credit_for_an_adult_starts_it_reviews_it_and_the_household_shows_it(
    county: County, request: pytest.FixtureRequest
) -> None:
    # the browser fixtures are the identification test's (imported above), asked for by name
    base, chromium, out = (request.getfixturevalue(name) for name in ("server", "browser", "shots"))
    green = green_channel(county)
    cadre = log_in(chromium, base, "cadre_a", PHONE)
    cadre.goto(f"{base}/cases/{green.case_id}")
    cadre.get_by_role("link", name="帮扶计划（一户一策）").click()
    expect(cadre.get_by_role("heading", name="帮扶计划（一户一策）")).to_be_visible()
    expect(cadre.locator("ul.checks .badge.st-red")).to_have_text("未满足")  # no development measure yet

    option = credit_for(cadre, green.adult_name)
    expect(option).to_contain_text("借款人年龄")
    expect(option).to_contain_text("*" * 10)  # the masked ID, never the full one
    option.locator("summary", has_text="加入计划").click()
    option.get_by_label("金额（元）").fill("60000")
    option.get_by_label("期限（月）").fill("36")
    option.get_by_label("制定理由").fill("发展养殖")
    option.get_by_role("button", name="加入计划").click()
    expect(cadre.get_by_role("status")).to_contain_text("超过上限 50,000 元")
    option = credit_for(cadre, green.adult_name)
    expect(option.get_by_label("金额（元）")).to_have_value("60000")  # nothing typed is lost …
    expect(option.get_by_label("制定理由")).to_have_value("发展养殖")
    option.get_by_label("金额（元）").fill("30000")  # … and only the amount is corrected
    option.get_by_role("button", name="加入计划").click()
    expect(cadre.get_by_role("status")).to_contain_text("已加入计划：I1")

    item = cadre.locator("section.item#I1")
    expect(item).to_contain_text("30,000.00 元")
    expect(item).to_contain_text("金融机构")
    item.get_by_role("button", name="开始实施").click()
    expect(cadre.get_by_role("status")).to_contain_text("I1 实施中")
    expect(cadre.locator("section.item#I1 h3 .badge")).to_have_text("实施中")
    expect(cadre.locator("ul.checks .badge").first).to_have_text("满足")

    cadre.get_by_label("回访记录（可选）").fill("入户回访，已购牛犊两头")
    cadre.get_by_role("button", name="成效复核").click()
    expect(cadre.get_by_role("status")).to_contain_text("已记录成效复核")
    expect(cadre.get_by_label("成效", exact=True)).to_contain_text("上次成效复核")
    history = cadre.locator("table.log").last
    expect(history).to_contain_text("第 3 版")
    expect(history).to_contain_text("成效复核")
    assert "*" * 10 in cadre.content() and green.adult not in cadre.content()
    assert cadre.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cadre.screenshot(path=str(out / "plan-phone.png"), full_page=True)

    desk = log_in(chromium, base, "cadre_a", DESKTOP)
    desk.goto(f"{base}/cases/{green.case_id}/plan")
    expect(desk.locator("section.item#I1")).to_contain_text("实施中")
    desk.screenshot(path=str(out / "plan-desktop.png"), full_page=True)

    cadre.goto(f"{base}/households/{green.household_id}")
    plan = cadre.locator("table.plan-items")
    expect(plan).to_contain_text("脱贫人口小额信贷")
    expect(plan).to_contain_text("实施中")
    expect(plan).to_contain_text("30,000.00")
    expect(plan).to_contain_text("金融机构")
    expect(cadre.get_by_role("link", name="查看帮扶计划")).to_have_attribute("href", f"/cases/{green.case_id}/plan")
    assert cadre.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
