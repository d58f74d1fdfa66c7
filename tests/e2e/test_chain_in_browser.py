"""The county's assistance-chain report (一户一条救助链) in a real browser, on a 360-px phone.

Two things are planted in the web tests' synthetic county, through the services: a case on the
green channel whose confirmed risks have had no measure for a month (an omission), and two Yulu
subsidies the education department paid one member for the same term (a duplicate), arriving
as a department feed. The county approver checks the chain on a day past the 30-day limit and
sees both, with the rule, the household and the office responsible, member IDs masked. The page
must not be wider than the phone; the screenshot is ``chain-phone.png`` (``docs/screenshots/``
with ``JINGZHUN_SCREENSHOTS=1``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import local_date
from jingzhun.services.importer import run_import

from ..integration.web.conftest import County, green_channel
from .test_identification_in_browser import PHONE, browser, log_in, server, shots, store_url  # noqa: F401


def last_term_paid(today: dt.date) -> dt.date:
    """The latest term start (1 March, 1 September) whose two payments (days 10 and 40) lie before ``today``."""
    starts = [dt.date(year, month, 1) for year in (today.year, today.year - 1) for month in (9, 3)]
    return max(s for s in starts if s + dt.timedelta(days=40) < today)


def plant_two_yulu_payments(county: County, feed: Path, term_start: dt.date) -> str:
    """Two Yulu subsidies for one member of a village-A household in one term, as an education feed."""
    m = t.members.c
    with county.engine.connect() as c:
        person = (
            c.execute(select(m.person_id).where(m.household_id == county.households_a[-1]).order_by(m.person_id))
            .scalars()
            .first()
        )
    assert person is not None
    (feed / "feeds").mkdir(parents=True)
    paid = (term_start + dt.timedelta(days=10), term_start + dt.timedelta(days=40))
    rows = [(f"JY9000000{n}", "education", person, "", "yulu_subsidy", on, "1500.00", "雨露计划")
            for n, on in enumerate(paid, 1)]  # fmt: skip
    cols = ["event_id", "source", "person_id", "household_id", "event_type", "event_date", "amount", "detail"]
    pl.DataFrame(rows, schema=cols, orient="row").write_csv(feed / "feeds" / "events.csv")
    report = run_import(feed, county.engine)
    assert report.committed and report.rows_rejected == 0, report.rejects
    return person


def test_the_county_sees_an_omission_and_a_duplicate_on_its_phone(
    county: County, request: pytest.FixtureRequest
) -> None:
    base, chromium, out = (request.getfixturevalue(name) for name in ("server", "browser", "shots"))
    green = green_channel(county)
    today = local_date(dt.datetime.now(dt.UTC))  # the China-local day, as the report counts days
    # the risks were confirmed 2 days ago (1 when that step's hour crossed midnight), so the check
    # day is 31 or 32 days after them: past the 30-day limit at any hour of the run
    day = today + dt.timedelta(days=30)
    person = plant_two_yulu_payments(county, request.getfixturevalue("tmp_path") / "feed", last_term_paid(today))

    page = log_in(chromium, base, "county", PHONE)
    page.get_by_role("link", name="救助链核查").click()
    page.get_by_role("textbox", name="核查日").fill(day.isoformat())
    page.get_by_role("button", name="核查").click()
    expect(page.get_by_role("heading", name="按规则和责任部门")).to_be_visible()
    rows = page.locator("table.log tbody tr")
    omission = rows.filter(has_text="风险超期未落实措施").filter(has_text=green.household_id)
    expect(omission).to_have_count(2)  # risks 07 and 01
    duplicate = rows.filter(has_text="重复救助")
    expect(duplicate.first).to_contain_text("雨露计划职业教育补助")
    html = page.content()
    assert person not in html and not re.search(r"\d{17}[\dX]", html)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(out / "chain-phone.png"), full_page=True)
