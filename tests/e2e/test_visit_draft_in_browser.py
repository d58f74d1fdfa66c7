"""A visit draft in a real browser: Debian's Chromium on a 360-px phone, driven by Playwright.

The cadre accepts a lead and starts the household visit form: first only a note (the category,
which the step requires, is not chosen yet — the draft button does not ask for it), then the
category, a risk code and one document, saving a draft each time. After a reload and after
logging in again in a new browser (a new session, as on coming back from the household), the
form is filled as it was left; ticking the missing consent and taking the step removes the draft.
Skipped without ``/usr/bin/chromium`` like the other browser test (whose fixtures it uses).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import CHINA_TZ

from ..integration.web.conftest import County
from .test_identification_in_browser import PHONE, browser, log_in, server, shots, store_url, take  # noqa: F401

NOTE = "户主腿伤住院，儿子在外务工；承诺书待户主出院后签字"


def visit_form(page: Page):
    return page.locator("form.step", has=page.get_by_role("heading", name="提交入户核实"))


def save_draft(page: Page) -> None:
    visit_form(page).get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")
    expect(page.get_by_label("草稿")).to_contain_text("草稿已保存于")
    now = dt.datetime.now(CHINA_TZ)
    shown = page.get_by_label("草稿").inner_text()
    assert any(f"草稿已保存于 {x:%H:%M}（北京时间）" in shown for x in (now, now - dt.timedelta(minutes=1))), shown


def expect_restored(page: Page) -> None:
    form = visit_form(page)
    expect(form.get_by_label("监测类别")).to_have_value("marginal_at_risk")
    expect(form.get_by_label("01 因病")).to_be_checked()
    expect(form.get_by_label("04 因缺劳动力")).not_to_be_checked()
    expect(form.locator("input[name=evidence]").nth(0)).to_be_checked()
    expect(form.locator("input[name=evidence]").nth(1)).not_to_be_checked()
    expect(form.locator("textarea[name=reason]")).to_have_value(NOTE)


def shoot(page: Page, path: Path) -> None:
    """The phone's screen from the heading down to the end of the restored visit form."""
    top, form = page.get_by_role("heading", level=1).bounding_box(), visit_form(page).bounding_box()
    assert top is not None and form is not None
    clip = {"x": 0, "y": top["y"] - 8, "width": PHONE["width"], "height": form["y"] + form["height"] - top["y"] + 16}
    page.screenshot(path=str(path), full_page=True, clip=clip)


def drafts_stored(county: County) -> int:
    with county.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(t.visit_drafts)).scalar_one())


def test_a_half_filled_visit_is_saved_restored_and_gone_with_the_step(county, server, browser, shots):  # noqa: F811
    case_id = county.cases_a[0]
    cadre = log_in(browser, server, "cadre_a", PHONE)
    cadre.goto(f"{server}/cases/{case_id}")
    take(cadre, "受理线索")

    form = visit_form(cadre)
    form.locator("textarea[name=reason]").fill(NOTE)  # the signal goes: save the note alone first
    save_draft(cadre)
    form = visit_form(cadre)
    expect(form.locator("textarea[name=reason]")).to_have_value(NOTE)
    form.locator("input[name=evidence]").nth(0).check()
    form.get_by_label("监测类别").select_option("marginal_at_risk")
    form.get_by_label("01 因病").check()
    save_draft(cadre)
    cadre.reload()
    expect_restored(cadre)
    shoot(cadre, shots / "visit-draft-phone.png")
    cadre.context.close()

    again = log_in(browser, server, "cadre_a", PHONE)  # later, in a new session
    again.goto(f"{server}/cases/{case_id}")
    expect(again.get_by_label("草稿")).to_contain_text("已填入下面的表单")
    expect_restored(again)
    assert drafts_stored(county) == 1
    take(again, "提交入户核实")  # ticks the consent that was missing
    expect(again.get_by_role("heading", name=f"案件 {case_id} · 信息比对")).to_be_visible()
    expect(again.get_by_label("草稿")).to_have_count(0)
    assert drafts_stored(county) == 0
