"""The county report of the assistance chain in the browser's terms: the page and its masked CSV export."""

from __future__ import annotations

import re

from .conftest import login


def test_the_county_sees_the_chain_report_and_exports_it_masked(app_client):
    login(app_client, "county")
    page = app_client.get("/chain")
    assert (
        page.status_code == 200 and "救助链核查" in page.text and "按规则和责任部门" in page.text
    ) or "没有发现" in page.text
    assert not re.search(r"\d{17}[\dX]", page.text)  # member IDs are masked on the page
    bad = app_client.get("/chain?day=2026-13-01")
    assert bad.status_code == 200 and "核查日应为 YYYY-MM-DD 格式" in bad.text
    export = app_client.get("/chain.csv")
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    assert export.text.lstrip("\ufeff").startswith("规则,户编号,成员")
    assert not re.search(r"\d{17}[\dX]", export.text)
