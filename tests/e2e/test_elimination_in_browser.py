"""The elimination candidates (风险消除候选) in a real browser, on a 360-px phone.

Three village-A households of the web tests' synthetic county are identified through the
services and monitored; one is made stable (income well above the line, nothing else at risk)
and its confirmed risk gets a started measure, so it is a candidate by assistance — flagged,
because it was identified only a week ago; the others wait for their measures. The village's
cadre opens 风险消除 from the menu, sees the candidate with its method and flag, asks for the
households that may not be proposed yet with their reasons, and follows the candidate to its
case. The page must not be wider than the phone; the screenshot is ``elimination-phone.png``
(``docs/screenshots/`` with ``JINGZHUN_SCREENSHOTS=1``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..integration.web.conftest import County
from ..integration.web.elimination_support import identify, make_stable, started_measure
from .test_identification_in_browser import PHONE, browser, log_in, server, shots, store_url  # noqa: F401


def test_the_cadre_sees_the_candidate_and_why_the_others_wait_on_its_phone(
    county: County, request: pytest.FixtureRequest
) -> None:
    base, chromium, out = (request.getfixturevalue(name) for name in ("server", "browser", "shots"))
    make_stable(county, county.households_a[0])
    for case_id in county.cases_a:
        identify(county, case_id)
    started_measure(county, county.cases_a[0])

    page = log_in(chromium, base, "cadre_a", PHONE)
    page.get_by_role("link", name="风险消除").click()
    expect(page.get_by_role("heading", name="风险消除候选")).to_be_visible()
    candidate = page.locator("table.candidates tbody tr").filter(has_text=county.households_a[0])
    expect(candidate).to_contain_text("帮扶消除")
    expect(candidate).to_contain_text("须说明理由")
    page.get_by_label("同时列出暂不符合的户及原因").check()
    page.get_by_role("button", name="评估").click()
    waiting = page.locator("table.others tbody tr")
    expect(waiting).to_have_count(len(county.cases_a) - 1)
    expect(waiting.first).to_contain_text("尚未落实帮扶措施")
    html = page.content()
    assert not re.search(r"\d{17}[\dX]", html)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(out / "elimination-phone.png"), full_page=True)

    candidate.get_by_role("link", name=county.households_a[0]).click()
    expect(page).to_have_url(re.compile(rf"/cases/{county.cases_a[0]}$"))
