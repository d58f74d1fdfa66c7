"""``jingzhun plan``: the demo's planned household shown as tables, a refused add, a step and a review."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from jingzhun import bootstrap
from jingzhun.adapters.db import tables as t
from jingzhun.cli.main import app

runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The demo county; returns a planned case and the id of a member of its household."""
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", store_url)
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps tables at 80 columns otherwise
    result = runner.invoke(app, ["demo", "--no-serve", "--households", "1500"])
    assert result.exit_code == 0, result.output
    engine = bootstrap.store_engine()
    try:
        with engine.connect() as conn:
            plan = conn.execute(select(t.plans.c.case_id, t.plans.c.household_id)).first()
            assert plan is not None
            person = conn.execute(
                select(t.members.c.person_id).where(t.members.c.household_id == plan.household_id)
            ).scalar()
    finally:
        engine.dispose()
    return plan.case_id, str(person)


def test_show_lists_the_items_checks_recommendations_and_versions(demo):
    case_id, _ = demo
    result = runner.invoke(app, ["plan", "show", case_id, "--as", "cadre"])
    assert result.exit_code == 0, result.output
    for text in (
        "帮扶措施（计划第 2 版）",
        "I1",
        "实施中",
        "有劳动能力的监测户",
        "推荐措施",
        "计划版本",
        "演示：按推荐制定帮扶措施",
    ):
        assert text in result.output, text


def test_an_add_the_catalogue_refuses_exits_1_with_its_code(demo):
    case_id, _ = demo
    result = runner.invoke(app, ["plan", "add", case_id, "NO_SUCH_MEASURE", "--risk", "99", "--as", "cadre"])
    assert result.exit_code == 1 and "MEASURE_UNKNOWN" in result.output
    bad = runner.invoke(app, ["plan", "add", case_id, "DIBAO", "--risk", "99", "--amount", "1.234", "--as", "cadre"])
    assert bad.exit_code == 2


def test_a_step_and_a_review_are_new_versions(demo):
    case_id, _ = demo
    moved = runner.invoke(app, ["plan", "move", case_id, "I1", "delivered", "--as", "cadre"])
    assert moved.exit_code == 0 and "计划第 3 版" in moved.output, moved.output
    reviewed = runner.invoke(app, ["plan", "review", case_id, "--note", "季度回访", "--as", "cadre"])
    assert reviewed.exit_code == 0 and "成效复核" in reviewed.output, reviewed.output
    outsider = runner.invoke(app, ["plan", "show", case_id, "--as", "auditor"])
    assert outsider.exit_code == 1 and "PERMISSION_DENIED" in outsider.output


def test_the_chain_check_prints_the_county_report_and_writes_masked_findings(demo, tmp_path):
    out = tmp_path / "findings.csv"
    result = runner.invoke(app, ["chain", "check", "--as", "county", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "救助链核查" in result.output and "532328" in result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(out, infer_schema=False)
    assert {"rule_id", "household_id", "office", "township_code", "message"} <= set(frame.columns)
    assert not re.search(rb"\d{17}[\dX]", data)  # no full resident ID leaves the system
    refused = runner.invoke(app, ["chain", "check", "--as", "auditor"])
    assert refused.exit_code == 1 and "PERMISSION_DENIED" in refused.output
