"""``jingzhun elimination candidates``: the county's candidates by method, the others with reasons, the export.

The services' synthetic county of ``test_elimination_batch`` (planted incomes), with accounts in
the store: a stable household whose risk has a started measure is a candidate by assistance, a
household below the line is listed with the income reason under ``--all``; the auditor is refused.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from typer.testing import CliRunner

from jingzhun.cli.main import app
from jingzhun.domain.workflow import Role
from jingzhun.services.users import User, add_user

from ..services.test_elimination import identify, started_measure
from ..services.test_elimination_batch import DAY, County, county  # noqa: F401

runner = CliRunner()


@pytest.fixture
def cli_county(county: County, store_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> County:  # noqa: F811
    """The county with its stable household a candidate and its poor one monitored; accounts to act as."""
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", store_url)
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps tables at 80 columns otherwise
    a = county.a
    started_measure(a, identify(a, county.stable))
    identify(a, county.poor)
    code = a.code[:6] + "000000"
    admin = add_user(county.engine, User("admin", "管理员", Role.ADMINISTRATOR, code), by=None).actor
    for user in (User("county", "县审批", Role.COUNTY_APPROVER, code), User("auditor", "审计员", Role.AUDITOR, code)):
        add_user(county.engine, user, by=admin)
    return county


def test_candidates_prints_the_summary_and_the_list_and_all_adds_the_reasons(cli_county):
    c = cli_county
    result = runner.invoke(app, ["elimination", "candidates", "--as-of", DAY.isoformat(), "--as", "county"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"风险消除候选 {DAY}" in out and "按消除方式" in out and c.stable in out
    assert "帮扶消除" in out and "人均纯收入不低于监测标准" in out  # the poor household's refusal, summed
    assert c.poor not in out  # the others are listed with --all only
    everyone = runner.invoke(app, ["elimination", "candidates", "--as-of", DAY.isoformat(), "--all", "--as", "county"])
    assert everyone.exit_code == 0 and "暂不符合" in everyone.output and c.poor in everyone.output
    assert "低于监测标准" in everyone.output


def test_out_writes_every_household_and_bad_usage_or_a_refusal_exit_non_zero(cli_county, tmp_path):
    c = cli_county
    csv = tmp_path / "candidates.csv"
    result = runner.invoke(app, ["elimination", "candidates", "--out", str(csv), "--as", "county"])
    assert result.exit_code == 0, result.output
    data = csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not re.search(rb"\d{17}[\dX]", data)
    frame = pl.read_csv(csv, infer_schema=False)
    assert set(frame["household_id"]) == {c.stable, c.poor}
    assert {"case_id", "eligible", "method", "blocked", "blocked_reasons", "policy"} <= set(frame.columns)
    parquet = tmp_path / "candidates.parquet"
    assert runner.invoke(app, ["elimination", "candidates", "--out", str(parquet), "--as", "county"]).exit_code == 0
    assert pl.read_parquet(parquet).height == 2

    assert runner.invoke(app, ["elimination", "candidates", "--out", "x.xlsx", "--as", "county"]).exit_code == 2
    assert runner.invoke(app, ["elimination", "candidates", "--as-of", "2026-13-01", "--as", "county"]).exit_code == 2
    refused = runner.invoke(app, ["elimination", "candidates", "--as", "auditor"])
    assert refused.exit_code == 1 and "PERMISSION_DENIED" in refused.output
