"""The command line as a user runs it: exit codes, reports on disk, the demo."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from jingzhun import bootstrap
from jingzhun.adapters.db import tables as t
from jingzhun.cli.main import app

from ..services.helpers import read_csv, synthetic_registry, write_csv

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JINGZHUN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JINGZHUN_DATABASE_URL", store_url)
    return tmp_path


def test_import_exits_0_when_every_row_is_accepted_and_writes_the_report(env):
    src = synthetic_registry(env / "reg", households=40)
    result = runner.invoke(app, ["import", str(src), "--report-dir", str(env / "reports")])
    assert result.exit_code == 0, result.output
    summary = json.loads(next((env / "reports").glob("import-*.json")).read_text("utf-8"))
    assert summary["committed"] and summary["rows_rejected"] == 0
    assert summary["tables"]["households"]["inserted"] == 40


def test_import_exits_3_when_some_rows_are_rejected(env):
    src = synthetic_registry(env / "reg", households=40)
    path = src / "registry" / "members.csv"
    frame = read_csv(path)
    write_csv(
        frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(pl.lit("坏号码"))
            .otherwise(pl.col("person_id"))
            .alias("person_id")
        ),
        path,
    )
    result = runner.invoke(app, ["import", str(src), "--report-dir", str(env / "reports")])
    assert result.exit_code == 3, result.output
    rejects = next((env / "reports").glob("import-*.rejects.csv")).read_bytes()
    assert rejects.startswith(b"\xef\xbb\xbf")  # opens in Excel with Chinese intact
    assert "ID_FORMAT" in rejects.decode("utf-8-sig")


def test_import_exits_2_for_a_directory_without_tables(env):
    (env / "empty").mkdir()
    assert runner.invoke(app, ["import", str(env / "empty")]).exit_code == 2


def test_import_exits_1_and_writes_nothing_for_an_unreadable_file(env):
    src = synthetic_registry(env / "reg", households=10)
    (src / "registry" / "income.csv").write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    result = runner.invoke(app, ["import", str(src)])
    assert result.exit_code == 1, result.output


def test_demo_builds_imports_and_summarises_a_county(env):
    result = runner.invoke(app, ["demo", "--no-serve", "--households", "300"])
    assert result.exit_code == 0, result.output
    assert "合成县概况" in result.output and "300" in result.output and "户人均纯收入分布" in result.output


def test_demo_gives_some_households_of_the_cadres_village_a_plan_through_the_services(env):
    result = runner.invoke(app, ["demo", "--no-serve", "--households", "1500"])
    assert result.exit_code == 0, result.output
    made = int(result.output.split("本次 ")[1].split(" 户")[0])
    engine = bootstrap.store_engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.plan_items.c.status, t.plan_items.c.division_code)
                .join(t.plans, t.plans.c.plan_id == t.plan_items.c.plan_id)
                .join(t.cases, t.cases.c.case_id == t.plans.c.case_id)
                .where(t.cases.c.workflow_id.startswith("identification@"), t.cases.c.state != "monitoring")
            ).all()  # the green-channel plans (the demo's eliminated and candidate households have theirs too)
    finally:
        engine.dispose()
    assert made >= 1 and len(rows) == made
    assert {r.status for r in rows} == {"in_progress"} and len({r.division_code for r in rows}) == 1


def test_demo_carries_a_household_to_the_exit_and_leaves_a_candidate_and_a_rerun_adds_nothing(env, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps at 80 columns otherwise
    first = runner.invoke(app, ["demo", "--no-serve", "--households", "1500"])
    assert first.exit_code == 0, first.output
    assert "1 户经风险消除程序标注风险消除" in first.output and "1 户为风险消除候选" in first.output
    due = runner.invoke(app, ["follow-up", "due", "--as", "cadre"])
    assert due.exit_code == 0 and "2027-02-13" in due.output and "风险已消除（跟踪期）" in due.output
    candidates = runner.invoke(app, ["elimination", "candidates", "--as", "cadre"])
    assert candidates.exit_code == 0 and "帮扶消除" in candidates.output
    again = runner.invoke(app, ["demo", "--no-serve", "--households", "1500"])
    assert again.exit_code == 0 and "风险消除程序" not in again.output


def test_db_upgrade_is_idempotent(env):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
