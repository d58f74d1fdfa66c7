"""``jingzhun policy show|validate|list`` through the real Typer app."""

import json
from pathlib import Path

from typer.testing import CliRunner

from jingzhun.cli.main import app

runner = CliRunner()

USER_PACK = """\
id: cn-99-2025
version: "2025.1"
title: 测试省
extends: cn-national
scope: {province: "99"}
effective_from: 2025-01-01
effective_to: 2025-12-31
params:
  monitoring_threshold: {amount_yuan: 8123.45}
"""


def show_json(*args: str) -> dict:
    result = runner.invoke(app, ["policy", "show", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_show_json_prints_the_threshold_in_yuan_and_every_param():
    doc = show_json("cn-53-2025")
    assert doc["policy_id"] == "cn-53-2025" and doc["version"] == "2025.1"
    assert doc["monitoring_threshold_yuan"] == 8700
    assert doc["chain"] == ["cn-national", "cn-53-2025"]
    assert (doc["effective_from"], doc["effective_to"]) == ("2025-01-01", "2025-12-31")
    assert len(doc["content_hash"]) == 64
    assert doc["params"]["monitoring_threshold_fen"] == 870_000
    assert doc["params"]["medical_threshold_other_yuan"] == 17522
    assert doc["params"]["income_drop_percent"] == 50
    rule = next(r for r in doc["rules"] if r["id"] == "INCOME_BELOW_THRESHOLD")
    assert rule["kind"] == "income" and rule["when"] == "net_income_fen < monitoring_threshold_fen * members"
    assert '"net_income_fen"' in rule["when_sql"] and "{monitoring_threshold_yuan}" in rule["reason"]
    assert doc["terminology"]["monitoring_object"]


def test_show_for_a_province_and_year_resolves_the_pack_in_force():
    doc = show_json("cn-national", "--province", "53", "--year", "2024")
    assert doc["policy_id"] == "cn-53-2024" and doc["monitoring_threshold_yuan"] == 8700
    assert doc["terminology"]["monitoring_object"] == "监测对象"


def test_show_for_a_county_uses_the_county_pack():
    doc = show_json("cn-national", "--county", "350526", "--date", "2024-06-01")
    assert doc["policy_id"] == "cn-350526-2024" and doc["monitoring_threshold_yuan"] == 19560
    assert "815" in doc["param_derivations"]["monitoring_threshold_fen"]


def test_show_national_alone_has_no_threshold():
    assert show_json("cn-national")["monitoring_threshold_yuan"] is None


def test_show_a_province_without_a_threshold_exits_1_with_the_code():
    result = runner.invoke(app, ["policy", "show", "cn-national", "--province", "52", "--year", "2026"])
    assert result.exit_code == 1
    assert "POLICY_NO_THRESHOLD" in result.output


def test_show_unknown_id_exits_1():
    result = runner.invoke(app, ["policy", "show", "cn-nope"])
    assert result.exit_code == 1 and "POLICY_NOT_FOUND" in result.output


def test_show_bad_date_is_a_usage_error():
    assert runner.invoke(app, ["policy", "show", "cn-national", "--date", "2025-02-30"]).exit_code == 2


def test_show_a_user_file_and_yuan_with_decimals(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(USER_PACK, encoding="utf-8")
    doc = show_json(str(path), "--province", "99", "--year", "2025")
    assert doc["policy_id"] == "cn-99-2025" and doc["monitoring_threshold_yuan"] == 8123.45


def test_show_renders_tables_with_chinese_labels():
    result = runner.invoke(app, ["policy", "show", "cn-21-2022"])
    assert result.exit_code == 0, result.output
    assert "刚性支出" in result.output and "INCOME_BELOW_THRESHOLD" in result.output and "7,260" in result.output


def test_show_warns_about_a_provisional_pack():
    result = runner.invoke(app, ["policy", "show", "cn-53-2026"])
    assert result.exit_code == 0 and "暂定" in result.output


def test_validate_accepts_good_files(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(USER_PACK, encoding="utf-8")
    result = runner.invoke(app, ["policy", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"✓ {path}" in result.output


def test_validate_reports_file_line_field_and_code(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(USER_PACK, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        USER_PACK.replace("cn-99-2025", "cn-98-2025").replace('"99"', '"98"')
        + "rules:\n  - {id: X1, kind: shock, when: members / 0 > 1, reason: r}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["policy", "validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"✓ {good}" in result.output
    assert f"{bad}:11: rules[0].when: RULE_EXPRESSION" in result.output


def test_validate_reports_overlap_with_shipped_packs(tmp_path):
    path = tmp_path / "yn.yaml"
    path.write_text(USER_PACK.replace("cn-99-2025", "cn-53-2025x").replace('"99"', '"53"'), encoding="utf-8")
    result = runner.invoke(app, ["policy", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:6: effective_from: POLICY_OVERLAP" in result.output


def test_validate_missing_file(tmp_path):
    result = runner.invoke(app, ["policy", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "POLICY_NOT_FOUND" in result.output


def test_validate_every_shipped_pack():
    packs_dir = Path(__file__).parents[3] / "src" / "jingzhun" / "policy" / "packs"
    result = runner.invoke(app, ["policy", "validate", str(packs_dir)])
    assert result.exit_code == 0, result.output


def test_list_shows_shipped_packs_with_thresholds():
    result = runner.invoke(app, ["policy", "list"])
    assert result.exit_code == 0, result.output
    for text in ("cn-national", "cn-53-2025", "cn-21-2022", "7,260", "19,560"):
        assert text in result.output


def test_list_json():
    result = runner.invoke(app, ["policy", "list", "--json"])
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["cn-53-2024"]["monitoring_threshold_yuan"] == 8700
    assert rows["cn-national"]["monitoring_threshold_yuan"] is None
    assert rows["cn-53-2026"]["provisional"] is True
