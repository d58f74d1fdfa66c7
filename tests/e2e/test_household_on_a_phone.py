"""The household page on a 360-px phone: the per-capita figure, the standard and the warning fit the screen.

A village cadre opens a household of the synthetic county whose income was planted below the
monitoring threshold; the figure line, the red marker and each reason the DuckDB engine gives
for that household are visible, and the page is not wider than the phone (tables scroll inside
their own box). The screenshot goes where the identification test's go.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from jingzhun import bootstrap
from jingzhun.services import households as household_service
from jingzhun.services.importer import run_import
from jingzhun.services.screening import screen_files
from jingzhun.synth import DEFAULT_AS_OF

from ..integration.services.helpers import plant_income
from ..integration.web.conftest import County
from .test_identification_in_browser import PHONE, browser, log_in, server, shots, store_url  # noqa: F401 (fixtures)

WINDOW = f"{DEFAULT_AS_OF.year}-{DEFAULT_AS_OF.month - 1:02d}"


def test_a_household_below_the_threshold_reads_well_on_a_phone(
    county: County, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the browser fixtures are the identification test's (imported above), asked for by name
    base, chromium, out = (request.getfixturevalue(name) for name in ("server", "browser", "shots"))
    monkeypatch.setattr(household_service, "assessment_day", lambda: DEFAULT_AS_OF)
    household = county.households_a[0]
    threshold = bootstrap.policy_resolver()(county.village_a, DEFAULT_AS_OF).monitoring_threshold_fen
    plant_income(tmp_path / "reg", household, WINDOW, threshold // 2)
    assert run_import(tmp_path / "reg", county.engine, today=DEFAULT_AS_OF).committed
    outcome = screen_files(tmp_path / "reg" / "registry", tmp_path / "reg" / "feeds", DEFAULT_AS_OF,
                           bootstrap.policy_resolver())  # fmt: skip
    assert outcome.warnings is not None
    reasons = outcome.warnings.filter(outcome.warnings["household_id"] == household)["reasons"][0].to_list()

    cadre = log_in(chromium, base, "cadre_a", PHONE)
    cadre.goto(f"{base}/households/{household}")
    expect(cadre.locator(".figure")).to_contain_text("人均纯收入")
    expect(cadre.locator(".badge.st-red")).to_have_text("低于监测标准")
    for line in reasons:
        expect(cadre.locator("ul.reasons li", has_text=line)).to_be_visible()
    assert cadre.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    figure = cadre.locator(".figure").bounding_box()
    assert figure is not None and figure["x"] + figure["width"] <= PHONE["width"]
    cadre.screenshot(path=str(out / "household-assessment-phone.png"), full_page=True)
