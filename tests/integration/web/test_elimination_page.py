"""The elimination candidates in the browser's terms: the page, scoped, the others on request, the CSV export."""

from __future__ import annotations

import csv
import io

from .conftest import login
from .elimination_support import identify, make_stable, started_measure


def test_the_county_sees_the_candidate_by_method_and_on_request_the_others_with_reasons(app_client, county):
    stable, waiting = county.cases_a[0], county.cases_a[1]
    make_stable(county, county.households_a[0])
    identify(county, stable)
    started_measure(county, stable)
    identify(county, waiting)  # its confirmed risk has no measure yet
    login(app_client, "county")
    page = app_client.get("/elimination")
    assert page.status_code == 200 and "风险消除候选" in page.text and "按消除方式" in page.text
    assert f'<a href="/cases/{stable}">{county.households_a[0]}</a>' in page.text
    assert "帮扶消除" in page.text and "须说明理由" in page.text  # identified a week ago: too soon, flagged
    assert "针对已确认风险的帮扶措施已落实" in page.text  # the refusal of the other household, counted
    assert f"/cases/{waiting}" not in page.text  # the others only when asked for
    everyone = app_client.get("/elimination", params={"all": "1"})
    assert f'<a href="/cases/{waiting}">{county.households_a[1]}</a>' in everyone.text
    assert "1 项已确认的风险尚未落实帮扶措施" in everyone.text
    bad = app_client.get("/elimination?as_of=2026-13-01")
    assert bad.status_code == 200 and "评估日应为 YYYY-MM-DD 格式" in bad.text

    export = app_client.get("/elimination.csv")
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["户编号", "案件", "村（区划）", "乡镇", "结论"]
    verdicts = {r[1]: (r[4], r[5]) for r in rows[1:]}
    assert verdicts == {stable: ("可提出消除", "帮扶消除"), waiting: ("暂不符合", "自然消除")}


def test_another_villages_cadre_sees_none_of_them_and_the_auditor_is_refused(app_client, county):
    make_stable(county, county.households_a[0])
    identify(county, county.cases_a[0])
    started_measure(county, county.cases_a[0])
    login(app_client, "cadre_b")
    page = app_client.get("/elimination", params={"all": "1"})
    assert page.status_code == 200 and county.cases_a[0] not in page.text and "没有可提出风险消除的户" in page.text
    app_client.post("/logout", data={"csrf_token": login(app_client, "cadre_b")})
    login(app_client, "auditor")
    assert app_client.get("/elimination").status_code == 403
    assert app_client.get("/elimination.csv").status_code == 403
