"""``jingzhun policy show``: the measure catalogue as a table and in the JSON, through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from jingzhun.cli.main import app

runner = CliRunner()
YUNNAN = ["cn-national", "--province", "53", "--date", "2026-11-01"]

COUNTY = """\
id: cn-530102-2026
version: "2026.1"
title: 测试县雨露计划每学期 2,000 元
extends: cn-53-2026
scope: {province: "53", county: "530102"}
effective_from: 2026-01-01
effective_to: 2026-12-31
measures:
  - id: YULU
    params:
      amount_per_term: {amount_yuan: 2000}
      max_amount: {amount_yuan: 2000}
  - {id: TEKUN, enabled: false}
"""


def show(*args: str) -> str:
    result = runner.invoke(app, ["policy", "show", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_the_catalogue_with_conditions_and_amounts_in_yuan(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich folds the table at 80 columns otherwise
    out = show(*YUNNAN)
    assert "帮扶措施目录（13 项）" in out
    for text in ("MICRO_CREDIT", "脱贫人口小额信贷", "小额信贷", "个人", "金融机构", "max_amount 50,000 元"):
        assert text in out, text
    assert "借款人年龄 18–65 周岁" in out  # the label with the measure's own params filled in
    assert "低于低保标准 5,000 元" in out and "开学日 03-01、09-01" in out


def test_the_catalogue_table_fits_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = show(*YUNNAN)
    lines = out[out.index("帮扶措施目录") :].splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("└")) + 1]
    assert "MICRO_CREDIT" in "".join(table) and table[-1].endswith("┘")  # the right border is not cut off
    assert max(cell_len(line) for line in table) <= 80


def test_show_json_has_the_13_measures_with_conditions_and_yuan():
    doc = json.loads(show(*YUNNAN, "--json"))
    measures = {m["id"]: m for m in doc["measures"]}
    assert len(doc["measures"]) == 13
    credit = measures["MICRO_CREDIT"]
    assert credit["params"]["max_amount_fen"] == 5_000_000 and credit["params"]["max_amount_yuan"] == 50_000
    assert credit["params"]["max_term_months"] == 36 and credit["target"] == "person"
    assert credit["eligibility"][1]["when"] == "age >= min_age AND age <= max_age"
    assert '"age"' in credit["eligibility"][1]["when_sql"]
    assert measures["YULU"]["params"]["amount_per_term_yuan"] == 1500
    assert measures["YULU"]["assess_on"] == ["03-01", "09-01"]
    assert doc["params"]["measure_deadline_days"] == 30 and doc["params"]["plan_review_months"] == 3


def test_show_a_county_override_prints_the_merged_catalogue(tmp_path: Path):
    path = tmp_path / "county.yaml"
    path.write_text(COUNTY, encoding="utf-8")
    doc = json.loads(show("cn-national", "--county", "530102", "--date", "2026-11-01", "--pack", str(path), "--json"))
    measures = {m["id"]: m for m in doc["measures"]}
    assert doc["policy_id"] == "cn-530102-2026" and len(measures) == 12 and "TEKUN" not in measures
    assert measures["YULU"]["params"]["amount_per_term_yuan"] == 2000
    assert measures["YULU"]["label"] == "雨露计划职业教育补助"


def test_show_reports_a_broken_measure_with_file_line_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "county.yaml"
    path.write_text(COUNTY.replace("  - {id: TEKUN, enabled: false}\n", "  - {id: DIBAO, period: term}\n"), "utf-8")
    result = runner.invoke(app, ["policy", "show", str(path), "--county", "530102", "--date", "2026-11-01"])
    assert result.exit_code == 1
    assert f"{path}:13: measures[1].period: POLICY_SCHEMA" in result.output
