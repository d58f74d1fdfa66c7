"""``jingzhun follow-up`` and ``jingzhun supervision``: the due list, a visit, a helper and the 四个不摘 report."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from jingzhun.cli.main import app
from jingzhun.domain.workflow import Role
from jingzhun.services.users import User, add_user

from ..services.test_elimination import identify, started_measure
from ..services.test_follow_ups import T0, eliminate
from ..services.test_follow_ups import county as county  # the fixture, for this module's tests

runner = CliRunner()


@pytest.fixture
def eliminated(county, store_url, monkeypatch):
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", store_url)
    monkeypatch.setenv("COLUMNS", "250")
    case_id = identify(county, county.stable, start=T0)
    started_measure(county, case_id)
    eliminate(county, case_id, dt.date(2025, 6, 2))
    whole = county.village[:6] + "000000"
    admin = add_user(county.engine, User("admin", "管理员", Role.ADMINISTRATOR, whole), by=None)
    add_user(county.engine, User("cadre", "村干部", Role.VILLAGE_CADRE, county.village), by=admin.actor)
    add_user(county.engine, User("county", "县审批", Role.COUNTY_APPROVER, whole), by=admin.actor)
    return county, case_id


def test_the_due_list_a_visit_and_the_report(eliminated):
    c, case_id = eliminated
    due = runner.invoke(app, ["follow-up", "due", "--as", "cadre", "--overdue"])
    assert due.exit_code == 0, due.output
    assert case_id in due.output and "已逾期" in due.output and "2025-09-12" in due.output
    report = runner.invoke(app, ["supervision", "report", "--as", "county"])
    assert report.exit_code == 0, report.output
    assert "不摘责任" in report.output and "没有在岗的帮扶联系人" in report.output and "回访已逾期" in report.output

    helper = runner.invoke(app, ["follow-up", "assign", c.stable, "--name", "李帮扶", "--unit", "县农业农村局",
                                 "--as", "cadre"])  # fmt: skip
    assert helper.exit_code == 0 and "已安排 李帮扶" in helper.output
    visit = runner.invoke(app, ["follow-up", "record", case_id, "--note", "收入稳定", "--as", "cadre"])
    assert visit.exit_code == 0 and "稳定，无新风险" in visit.output
    assert case_id not in runner.invoke(app, ["follow-up", "due", "--as", "cadre", "--overdue"]).output
    assert "“四个不摘”均已落实" in runner.invoke(app, ["supervision", "report", "--as", "county"]).output

    risk = runner.invoke(app, ["follow-up", "record", case_id, "--note", "户主住院", "--new-risk", "01",
                               "--as", "cadre"])  # fmt: skip
    assert risk.exit_code == 0 and "新风险线索已" in risk.output
    refused = runner.invoke(app, ["follow-up", "record", "C-nope", "--note", "x", "--as", "cadre"])
    assert refused.exit_code == 1 and "CASE_NOT_FOUND" in refused.output
