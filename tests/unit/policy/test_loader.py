"""Every problem in a pack file is reported as FILE:LINE: field: CODE message."""

from pathlib import Path

import pytest

from jingzhun.policy import PolicyError, load_file

GOOD = """\
id: cn-99-2025
version: "2025.1"
title: 测试省2025年
extends: cn-national
scope: {province: "99"}
effective_from: 2025-01-01
effective_to: 2025-12-31
document: 测试〔2025〕1号
params:
  monitoring_threshold: {amount_yuan: 8000}
rules:
  - id: LOCAL_RULE
    kind: shock
    when: members > 9
    risk_codes: ["99"]
    reason: "{members} 人"
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> PolicyError:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as e:
        load_file(path)
    return e.value


def test_loads_a_valid_pack(tmp_path):
    pack = load_file(write(tmp_path, GOOD))
    assert pack.id == "cn-99-2025"
    assert pack.params == {"monitoring_threshold_fen": 800_000}
    assert pack.spec.scope.prefix == "99"


def test_bad_yaml_names_file_and_line(tmp_path):
    err = load_error(tmp_path, GOOD.replace("title: 测试省2025年", "title: [unclosed"))
    assert err.code == "POLICY_YAML"
    assert str(err).startswith(f"{tmp_path / 'pack.yaml'}:")
    assert err.line is not None and err.line >= 3


def test_unknown_field_names_its_line_and_field(tmp_path):
    err = load_error(tmp_path, GOOD.replace("effective_to:", "efective_to:"))
    issues = {i.field: i for i in err.issues}
    assert issues["efective_to"].code == "POLICY_SCHEMA" and issues["efective_to"].line == 7
    assert "未知字段" in issues["efective_to"].message
    assert str(issues["efective_to"]).startswith(f"{tmp_path / 'pack.yaml'}:7: efective_to: POLICY_SCHEMA")


def test_wrong_type_names_the_nested_field(tmp_path):
    err = load_error(tmp_path, GOOD.replace('scope: {province: "99"}', "scope: {province: 99}"))
    (issue,) = err.issues
    assert (issue.line, issue.field, issue.code) == (5, "scope.province", "POLICY_SCHEMA")
    assert "加引号" in issue.message


def test_unquoted_version_is_a_type_error_not_a_float(tmp_path):
    err = load_error(tmp_path, GOOD.replace('version: "2025.1"', "version: 2025.1"))
    assert err.issues[0].field == "version" and err.issues[0].line == 2


def test_bad_expression_names_the_rule_line(tmp_path):
    err = load_error(tmp_path, GOOD.replace("when: members > 9", "when: members > 9; DROP TABLE x"))
    (issue,) = err.issues
    assert (issue.code, issue.line, issue.field) == ("RULE_EXPRESSION", 14, "rules[0].when")
    assert "LOCAL_RULE" in issue.message


def test_amount_with_three_decimals_is_refused(tmp_path):
    err = load_error(tmp_path, GOOD.replace("amount_yuan: 8000", "amount_yuan: 8000.123"))
    (issue,) = err.issues
    assert issue.line == 10 and issue.field == "params.monitoring_threshold.amount_yuan"
    assert "两位小数" in issue.message


def test_money_needs_exactly_one_form(tmp_path):
    text = GOOD.replace("{amount_yuan: 8000}", "{amount_yuan: 8000, dibao_multiple: 2, dibao_monthly_yuan: 815}")
    (issue,) = load_error(tmp_path, text).issues
    assert issue.field == "params.monitoring_threshold" and "只能用一种写法" in issue.message


def test_a_threshold_written_as_a_bare_number_is_refused(tmp_path):
    (issue,) = load_error(tmp_path, GOOD.replace("{amount_yuan: 8000}", "8000")).issues
    assert issue.field == "params.monitoring_threshold" and "amount_yuan" in issue.message


def test_percent_out_of_range_is_refused(tmp_path):
    text = GOOD.replace("  monitoring_threshold: {amount_yuan: 8000}\n", "  income_drop_percent: 150\n")
    (issue,) = load_error(tmp_path, text).issues
    assert issue.field == "params.income_drop_percent" and issue.line == 10


def test_effective_to_before_from_is_refused(tmp_path):
    (issue,) = load_error(tmp_path, GOOD.replace("effective_to: 2025-12-31", "effective_to: 2024-12-31")).issues
    assert (issue.line, issue.field) == (7, "effective_to")


def test_duplicate_yaml_keys_are_an_error_not_last_one_wins(tmp_path):
    (issue,) = load_error(tmp_path, GOOD + "effective_to: 2026-12-31\n").issues
    assert issue.code == "POLICY_YAML" and issue.line == 17 and "重复" in issue.message


def test_duplicate_rule_ids_in_one_file(tmp_path):
    text = GOOD + '  - {id: LOCAL_RULE, kind: risk, when: members > 1, reason: "x"}\n'
    (issue,) = load_error(tmp_path, text).issues
    assert issue.field == "rules[1].id" and issue.line == 17


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    text = GOOD.replace("effective_to: 2025-12-31", "effective_to: 2024-12-31").replace(
        "when: members > 9", "when: members / 9"
    )
    err = load_error(tmp_path, text)
    assert {i.code for i in err.issues} == {"POLICY_SCHEMA", "RULE_EXPRESSION"}


def test_missing_extends_must_be_written_out(tmp_path):
    (issue,) = load_error(tmp_path, GOOD.replace("extends: cn-national\n", "")).issues
    assert issue.field == "extends" and "缺少" in issue.message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_empty_or_non_mapping_files(tmp_path, text):
    assert load_error(tmp_path, text).code == "POLICY_YAML"


def test_unreadable_file_is_not_found(tmp_path):
    with pytest.raises(PolicyError) as e:
        load_file(tmp_path / "missing.yaml")
    assert e.value.code == "POLICY_NOT_FOUND"


def test_dibao_multiple_is_exact_in_fen(tmp_path):
    text = GOOD.replace("{amount_yuan: 8000}", "{dibao_multiple: 1.5, dibao_monthly_yuan: 815.5}")
    pack = load_file(write(tmp_path, text))
    assert pack.params["monitoring_threshold_fen"] == 1_467_900  # 1.5 × 815.5 × 12 = 14,679.00


def test_a_derived_amount_with_a_fraction_of_a_fen_is_refused_not_rounded(tmp_path):
    text = GOOD.replace("{amount_yuan: 8000}", "{percent_of_reference: 33, reference_income_yuan: 21947.01}")
    (issue,) = load_error(tmp_path, text).issues
    assert "不是整分" in issue.message


def test_percent_of_reference_income(tmp_path):
    text = GOOD.replace("{amount_yuan: 8000}", "{percent_of_reference: 50, reference_income_yuan: 21947}")
    assert load_file(write(tmp_path, text)).params["monitoring_threshold_fen"] == 1_097_350
