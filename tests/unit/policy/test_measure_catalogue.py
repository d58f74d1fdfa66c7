"""The measure catalogue in the packs: the shipped national entries, merging down the chain, and errors that say where.

Override packs are written to ``tmp_path`` and loaded with the shipped ones; every error is
checked for its code and its ``FILE:LINE``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jingzhun.domain.measures import MeasureRole, Period, Provider, Target
from jingzhun.policy import PolicyError, load_packs
from jingzhun.policy.merge import canonical

PLACE = "530102001001"  # 云南 昆明 五华区
ON = dt.date(2026, 11, 1)
POLICY = load_packs().resolve(PLACE, ON)

COUNTY_HEAD = """\
id: cn-530102-2026
version: "2026.1"
title: 测试县2026年帮扶措施
extends: cn-53-2026
scope: {province: "53", county: "530102"}
effective_from: 2026-01-01
effective_to: 2026-12-31
measures:
"""
FIRST = COUNTY_HEAD.count("\n") + 1  # the line of the first measure entry

NEW_MEASURE = """\
  - id: LOCAL_CARE
    type: other
    label: 本县护理补贴
    role: support
    target: household
    provider: civil_affairs
    addresses: ["03"]
    eligibility:
      - when: {when}
        label: "{label}"
"""


def write(tmp_path: Path, body: str, head: str = COUNTY_HEAD, name: str = "county.yaml") -> Path:
    path = tmp_path / name
    path.write_text(head + body, encoding="utf-8")
    return path


def resolve(*paths: Path):
    return load_packs(list(paths)).resolve(PLACE, ON)


def errors(tmp_path: Path, body: str) -> tuple[Path, PolicyError]:
    path = write(tmp_path, body)
    with pytest.raises(PolicyError) as e:
        load_packs([path])
    return path, e.value


def new_measure(when: str, label: str = "本县条件") -> str:
    return NEW_MEASURE.replace("{when}", when).replace("{label}", label)


# --- the shipped national catalogue ------------------------------------------------------------


def test_the_national_catalogue_has_its_13_measures_in_order():
    assert [m.measure_id for m in POLICY.measures] == [
        "INDUSTRY_SUPPORT",
        "MICRO_CREDIT",
        "LABOUR_TRANSFER",
        "SKILLS_TRAINING",
        "PUBLIC_WELFARE_JOB",
        "HOUSING_RENOVATION",
        "YULU",
        "EDUCATION_AID",
        "MEDICAL_ASSISTANCE",
        "DIBAO",
        "TEKUN",
        "TEMPORARY_ASSISTANCE",
        "CONSUMPTION_ASSISTANCE",
    ]


def test_micro_credit_caps_are_those_of_the_2021_notice():
    m = POLICY.measure("MICRO_CREDIT")
    assert m is not None and m.target is Target.PERSON and m.provider is Provider.FINANCE
    assert m.max_amount_fen == 5_000_000 and m.max_term_months == 36
    assert m.params["max_amount_fen"] == 5_000_000 and m.duplicate_key == "micro_credit"
    assert "银保监发〔2021〕6号" in m.source


def test_yulu_pays_1500_per_term_judged_on_the_first_day_of_term_and_is_an_entitlement():
    m = POLICY.measure("YULU")
    assert m is not None
    assert m.params["amount_per_term_fen"] == 150_000 and m.max_amount_fen == 150_000
    assert m.period is Period.TERM and m.assess_on == ((3, 1), (9, 1))
    assert m.entitlement and m.feed_events == ("yulu_subsidy",) and m.addresses == ("09",)


def test_dibao_and_tekun_are_the_safety_net_and_housing_resolves_an_unsafe_house():
    roles = {m.measure_id: m.role for m in POLICY.measures}
    assert {k for k, r in roles.items() if r is MeasureRole.SAFETY_NET} == {"DIBAO", "TEKUN"}
    housing = POLICY.measure("HOUSING_RENOVATION")
    assert housing is not None and housing.resolves == ("housing_unsafe",) and housing.target is Target.HOUSEHOLD


def test_every_shipped_measure_names_a_source_and_term_measures_name_their_term_starts():
    for m in POLICY.measures:
        assert m.source, m.measure_id
        assert m.conditions, m.measure_id
        assert all(c.label for c in m.conditions), m.measure_id
        assert (m.period is Period.TERM) == bool(m.assess_on), m.measure_id


def test_the_plan_params_are_in_the_pack():
    assert POLICY.params["measure_deadline_days"] == 30
    assert POLICY.params["plan_review_months"] == 3


def test_an_unknown_measure_id_is_none():
    assert POLICY.measure("NO_SUCH") is None


def test_the_canonical_content_lists_the_catalogue_with_conditions_as_sql():
    doc = canonical(load_packs().merged(POLICY.policy_id))
    assert len(doc["measures"]) == 13
    yulu = next(m for m in doc["measures"] if m["id"] == "YULU")
    assert yulu["params"] == {"amount_per_term_fen": 150_000, "max_amount_fen": 150_000}
    assert yulu["assess_on"] == ["03-01", "09-01"] and yulu["period"] == "term"
    assert yulu["eligibility"][0] == {"when": '"in_vocational_school"', "label": "中职或高职在校生"}


# --- merging down the chain --------------------------------------------------------------------


YULU_1200 = "  - id: YULU\n    params:\n      amount_per_term: {amount_yuan: 1200}\n"
YULU_2000 = """\
  - id: YULU
    params:
      amount_per_term: {amount_yuan: 2000}
      max_amount: {amount_yuan: 2000}
"""


def test_a_county_changing_only_the_yulu_amount_keeps_everything_else(tmp_path):
    path = write(tmp_path, YULU_1200)
    county = resolve(path)
    assert county.policy_id == "cn-530102-2026"
    assert county.chain == ("cn-national", "cn-53-2026", "cn-530102-2026")
    yulu, national = county.measure("YULU"), POLICY.measure("YULU")
    assert yulu is not None and national is not None
    assert yulu.params["amount_per_term_fen"] == 120_000
    assert yulu.params["max_amount_fen"] == 150_000  # params merge key by key
    assert (yulu.label, yulu.conditions, yulu.assess_on, yulu.source, yulu.period) == (
        national.label,
        national.conditions,
        national.assess_on,
        national.source,
        national.period,
    )
    assert [m for m in county.measures if m.measure_id != "YULU"] == [
        m for m in POLICY.measures if m.measure_id != "YULU"
    ]
    # a village of another county keeps the national amount
    other = load_packs([path]).resolve("530103001001", ON).measure("YULU")
    assert other is not None and other.params["amount_per_term_fen"] == 150_000


def test_a_county_paying_2000_a_term_raises_the_amount_and_its_cap(tmp_path):
    yulu = resolve(write(tmp_path, YULU_2000)).measure("YULU")
    assert yulu is not None and yulu.params["amount_per_term_fen"] == 200_000 and yulu.max_amount_fen == 200_000


def test_raising_the_per_term_amount_above_the_inherited_cap_is_an_error_at_the_county(tmp_path):
    path, err = errors(tmp_path, "  - id: YULU\n    params:\n      amount_per_term: {amount_yuan: 2000}\n")
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.file == str(path) and err.line == FIRST + 1
    assert "超过上限 max_amount（1,500 元）" in err.message


def test_a_county_can_extend_a_measures_params_with_a_new_key(tmp_path):
    path = write(tmp_path, "  - id: YULU\n    params: {top_up: {amount_yuan: 500}}\n")
    yulu = resolve(path).measure("YULU")
    assert yulu is not None and yulu.params["top_up_fen"] == 50_000 and yulu.params["amount_per_term_fen"] == 150_000


def test_a_county_replacing_the_eligibility_list_replaces_it_whole(tmp_path):
    body = "  - id: SKILLS_TRAINING\n    eligibility:\n      - {when: able_to_work, label: 有劳动能力}\n"
    m = resolve(write(tmp_path, body)).measure("SKILLS_TRAINING")
    assert m is not None and [c.text for c in m.conditions] == ["able_to_work"]


def test_enabled_false_drops_a_measure(tmp_path):
    county = resolve(write(tmp_path, "  - {id: TEKUN, enabled: false}\n"))
    assert county.measure("TEKUN") is None and len(county.measures) == 12


def test_a_what_if_province_override_reaches_the_county_below_it(tmp_path):
    province = (
        """\
id: what-if-yunnan
version: "1"
title: 假设云南雨露计划每学期 2,000 元
extends: cn-53-2026
scope: {province: "53"}
effective_from: 2026-01-01
effective_to: 2026-12-31
measures:
"""
        + YULU_2000
    )
    p = tmp_path / "province.yaml"
    p.write_text(province, encoding="utf-8")
    county = write(tmp_path, "  - {id: TEKUN, enabled: false}\n", COUNTY_HEAD.replace("cn-53-2026", "what-if-yunnan"))
    resolved = load_packs([p, county]).resolve(PLACE, ON)
    assert resolved.chain == ("cn-national", "cn-53-2026", "what-if-yunnan", "cn-530102-2026")
    yulu = resolved.measure("YULU")
    assert yulu is not None and yulu.params["amount_per_term_fen"] == 200_000
    assert resolved.measure("TEKUN") is None


def test_a_pack_set_with_files_merges_the_override_too(tmp_path):
    path = write(tmp_path, YULU_2000)
    yulu = load_packs().with_files([path]).resolve(PLACE, ON).measure("YULU")
    assert yulu is not None and yulu.params["amount_per_term_fen"] == 200_000


def test_a_complete_new_measure_is_added_at_the_end(tmp_path):
    county = resolve(write(tmp_path, new_measure("no_labour_household AND members > max_people")
                            .replace("    addresses:", "    params: {max_people: 1}\n    addresses:")))  # fmt: skip
    m = county.measures[-1]
    assert m.measure_id == "LOCAL_CARE" and m.params == {"max_people": 1}
    assert m.period is Period.SPAN and m.coverage_months == 12 and not m.entitlement


def test_the_content_hash_changes_when_a_measure_param_changes_and_not_with_the_yaml_layout(tmp_path):
    one = write(tmp_path, YULU_1200, name="a.yaml")
    reordered = "  # 同一内容，不同写法\n  - {params: {amount_per_term: {amount_yuan: 1200.00}}, id: YULU}\n"
    same = write(tmp_path, reordered, name="b.yaml")
    other = write(tmp_path, YULU_1200.replace("1200", "1200.01"), name="c.yaml")
    h1, h2, h3 = (resolve(p).content_hash for p in (one, same, other))
    assert h1 == h2 and h1 != h3
    assert h1 != resolve(write(tmp_path, "  []\n", name="d.yaml")).content_hash  # the same pack, no override


# --- errors say where --------------------------------------------------------------------------


def test_a_new_measure_missing_fields_is_a_schema_error_at_its_id(tmp_path):
    path, err = errors(tmp_path, "  - id: LOCAL_LOAN\n    type: other\n    label: 本县贷款\n")
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST
    assert str(err).startswith(f"{path}:{FIRST}: measures[0].id: POLICY_SCHEMA 新措施 LOCAL_LOAN 须填写")
    assert "role、target、provider、eligibility" in err.message


def test_a_household_measure_reading_a_person_fact_is_an_unknown_name_with_a_hint(tmp_path):
    path, err = errors(tmp_path, new_measure("age >= 60"))
    assert err.file == str(path)
    assert err.code == "RULE_UNKNOWN_NAME"
    assert err.line == FIRST + 8 and err.issues[0].field == "measures[0].eligibility[0].when"
    assert "未知名称 age" in err.message and "age 只适用于对象为个人的措施" in err.message


def test_turning_an_inherited_person_measure_into_a_household_one_is_reported_at_the_target(tmp_path):
    path, err = errors(tmp_path, "  - id: MICRO_CREDIT\n    target: household\n")
    assert err.file == str(path)
    assert err.code == "RULE_UNKNOWN_NAME"
    assert {i.file for i in err.issues} == {str(path)} and {i.line for i in err.issues} == {FIRST + 1}
    assert "只适用于对象为个人的措施" in err.message


def test_an_unknown_name_in_a_condition_is_rule_unknown_name(tmp_path):
    _, err = errors(tmp_path, new_measure("wealth_fen > 0"))
    assert err.code == "RULE_UNKNOWN_NAME" and "wealth_fen" in err.message
    assert "只适用于" not in err.message


def test_an_unknown_placeholder_in_a_label_is_rule_unknown_name(tmp_path):
    _, err = errors(tmp_path, new_measure("members > 1", "{wealth} 人"))
    assert err.code == "RULE_UNKNOWN_NAME" and "{wealth}" in err.message


def test_a_condition_that_is_a_number_is_rule_expression(tmp_path):
    path, err = errors(tmp_path, new_measure("members + 1"))
    assert err.file == str(path)
    assert err.code == "RULE_EXPRESSION" and err.line == FIRST + 8
    assert "真/假" in err.message


def test_a_condition_outside_the_language_is_rule_expression(tmp_path):
    _, err = errors(tmp_path, new_measure("members > 1; DROP TABLE households"))
    assert err.code == "RULE_EXPRESSION"
    assert err.issues[0].field == "measures[0].eligibility[0].when"


def test_an_address_not_in_the_risk_table_is_a_schema_error(tmp_path):
    path, err = errors(tmp_path, '  - id: YULU\n    addresses: ["42"]\n')
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST + 1
    assert "风险代码 42 不在风险类型表中" in err.message


def test_a_term_period_without_term_starts_is_an_error(tmp_path):
    path, err = errors(tmp_path, "  - id: DIBAO\n    period: term\n")
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST + 1 and "assess_on" in err.message


@pytest.mark.parametrize(("day", "why"), [("02-30", "不存在"), ("02-29", "不是每年都有"), ("04-31", "不存在")])
def test_a_term_start_must_be_a_day_of_every_year(tmp_path, day, why):
    path, err = errors(tmp_path, f'  - id: YULU\n    assess_on: ["{day}"]\n')
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST + 1
    assert err.issues[0].field == "measures[0].assess_on[0]" and why in err.message


def test_a_malformed_term_start_is_a_schema_error(tmp_path):
    _, err = errors(tmp_path, '  - id: YULU\n    assess_on: ["9-1"]\n')
    assert err.code == "POLICY_SCHEMA" and "格式不符" in err.message


def test_dropping_a_measure_no_parent_defines_is_an_error(tmp_path):
    path, err = errors(tmp_path, "  - {id: LOCAL_NOTHING, enabled: false}\n")
    assert err.file == str(path)
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST and "无法停用" in err.message


def test_a_measure_twice_in_one_file_is_an_error(tmp_path):
    _, err = errors(tmp_path, "  - {id: YULU, fund_source: 甲}\n  - {id: YULU, fund_source: 乙}\n")
    assert err.code == "POLICY_SCHEMA" and err.line == FIRST + 1 and "重复" in err.message


def test_a_measure_param_named_like_a_fact_is_an_error(tmp_path):
    _, err = errors(tmp_path, "  - id: YULU\n    params: {age: 3}\n")
    assert err.code == "POLICY_SCHEMA" and "与条件事实同名" in err.message


def test_resolves_names_only_basic_needs(tmp_path):
    _, err = errors(tmp_path, "  - id: DIBAO\n    resolves: [monitored]\n")
    assert err.code == "POLICY_SCHEMA" and err.issues[0].field == "measures[0].resolves[0]"


def test_an_unknown_type_or_field_is_a_schema_error(tmp_path):
    _, err = errors(tmp_path, "  - id: YULU\n    type: lottery\n    amount: 5\n")
    fields = {i.field for i in err.issues}
    assert err.code == "POLICY_SCHEMA" and {"measures[0].type", "measures[0].amount"} <= fields
