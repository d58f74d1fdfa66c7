""" "四个不摘" in the browser's terms: the summary per county or township, the gaps linked to cases, the CSV export."""

from __future__ import annotations

import csv
import io

import pytest

from jingzhun.services.follow_ups import assign_helper
from jingzhun.services.users import actor_of

from .conftest import login
from .follow_up_support import FIRST_DUE, eliminated_household, on_the_scenario_day  # noqa: F401

pytestmark = pytest.mark.usefixtures("on_the_scenario_day")  # "overdue" as on the scenario's day


def test_the_county_sees_each_gap_by_pillar_linked_to_its_case_and_exports_them(app_client, county):
    e = eliminated_household(county)  # no helper, never visited: 不摘责任 and 不摘监管 missing
    login(app_client, "county")
    page = app_client.get("/supervision")
    assert page.status_code == 200 and "“四个不摘”监督" in page.text
    assert '<a href="/supervision">四个不摘</a>' in page.text  # the menu
    row = f"<tr><td>{e.village[:6]}</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td><td>1</td></tr>"
    assert row in page.text
    assert f'<a href="/cases/{e.case_id}">{e.household_id}</a>' in page.text
    assert "没有在岗的帮扶联系人" in page.text and f"应于 {FIRST_DUE} 前回访" in page.text
    assert "没有带提示通过的风险消除" in page.text  # proposed five months after identification: no flag
    township = app_client.get("/supervision", params={"by": "township"})
    assert f"<tr><td>{e.village[:9]}</td><td>1</td>" in township.text and "按乡镇汇总" in township.text
    bad = app_client.get("/supervision", params={"day": "2300-01-01"})
    assert bad.status_code == 200 and "日期超出范围" in bad.text
    assert "日期应为" not in bad.text and "日期应为 YYYY-MM-DD 格式" in app_client.get("/supervision?day=x").text

    export = app_client.get("/supervision.csv")
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0] == ["户编号", "案件", "村（区划）", "乡镇", "环节", "风险消除日", "四项均落实",
                       "不摘责任", "不摘政策", "不摘帮扶", "不摘监管"]  # fmt: skip
    (only,) = rows[1:]
    assert only[:7] == [e.household_id, e.case_id, e.village, e.village[:9], "风险已消除（跟踪期）", "2025-06-12", "否"]
    assert only[7] == "没有在岗的帮扶联系人" and only[8:10] == ["落实", "落实"] and only[10].startswith("回访已逾期")


def test_with_a_helper_and_a_visit_the_household_keeps_all_four(app_client, county):
    e = eliminated_household(county)
    cadre = actor_of(county.engine, "cadre_c")
    assign_helper(county.engine, e.household_id, cadre, helper_name="李帮扶", unit="县农业农村局")
    csrf = login(app_client, "cadre_c")
    app_client.post(f"/cases/{e.case_id}/follow-ups", data={"csrf_token": csrf, "finding": "stable", "note": "稳定"})
    page = app_client.get("/supervision")
    assert "已消除风险的农户“四个不摘”均已落实" in page.text
    assert f"<tr><td>{e.village[:6]}</td><td>1</td><td>1</td>" in page.text


def test_another_village_sees_none_of_them_and_the_auditor_is_refused(app_client, county):
    e = eliminated_household(county)
    login(app_client, "cadre_a")
    page = app_client.get("/supervision")
    assert page.status_code == 200 and e.case_id not in page.text and "辖区内没有风险已消除的户" in page.text
    app_client.post("/logout", data={"csrf_token": login(app_client, "cadre_a")})
    login(app_client, "auditor")
    assert app_client.get("/supervision").status_code == 403
    assert app_client.get("/supervision.csv").status_code == 403
