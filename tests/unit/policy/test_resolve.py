"""Resolution: which pack applies where and when, chain merging, hashing, set-level checks."""

import datetime as dt
from pathlib import Path

import pytest

from jingzhun.policy import PackSet, PolicyError, load_packs, normalise_division
from jingzhun.policy.registry import shipped_packs

D = dt.date


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def pack_text(
    pack_id: str,
    *,
    extends: str = "cn-national",
    scope: str = '{province: "99"}',
    start: str = "2025-01-01",
    end: str = "2025-12-31",
    body: str = "",
) -> str:
    return (
        f'id: {pack_id}\nversion: "1"\ntitle: t\nextends: {extends}\nscope: {scope}\n'
        f"effective_from: {start}\neffective_to: {end}\n{body}"
    )


THRESHOLD = "params:\n  monitoring_threshold: {amount_yuan: 8000}\n"


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return load_packs()


@pytest.mark.parametrize(
    ("division", "day", "policy_id", "fen"),
    [
        ("53", D(2024, 6, 1), "cn-53-2024", 870_000),
        ("530000", D(2025, 6, 1), "cn-53-2025", 870_000),
        ("532328101201", D(2026, 11, 1), "cn-53-2026", 870_000),
        ("211224", D(2022, 3, 1), "cn-21-2022", 726_000),
        ("350526", D(2024, 3, 12), "cn-350526-2024", 1_956_000),  # 2 × 815 × 12 = 19,560 yuan
        ("350121101", D(2023, 7, 1), "cn-350121-2023", 1_056_000),
        ("360703", D(2024, 8, 1), "cn-360703-2024", 850_000),
        ("532328", D(2023, 5, 1), "cn-532328-2023", 805_000),
    ],
)
def test_resolves_the_threshold_in_force_for_a_place_and_day(packs, division, day, policy_id, fen):
    policy = packs.resolve(division, day)
    assert policy.policy_id == policy_id
    assert policy.params["monitoring_threshold_fen"] == fen
    assert policy.chain == ("cn-national", policy_id)
    assert all(isinstance(v, int) for v in policy.params.values())


def test_a_county_without_its_own_pack_inherits_the_province(packs):
    assert packs.resolve("532301", D(2025, 6, 1)).policy_id == "cn-53-2025"  # 楚雄市
    assert packs.resolve("532328", D(2025, 6, 1)).policy_id == "cn-53-2025"  # 元谋 has a pack for 2023 only


def test_county_pack_beats_province_pack(tmp_path):
    county = write(
        tmp_path,
        "c.yaml",
        pack_text("cn-532328-2025", extends="cn-53-2025", scope='{province: "53", county: "532328"}', body=THRESHOLD),
    )
    packs = load_packs([county])
    policy = packs.resolve("532328", D(2025, 6, 1))
    assert policy.chain == ("cn-national", "cn-53-2025", "cn-532328-2025")
    assert policy.params["monitoring_threshold_fen"] == 800_000
    assert packs.resolve("532301", D(2025, 6, 1)).policy_id == "cn-53-2025"


def test_effective_date_edges(packs):
    assert packs.resolve("53", D(2024, 12, 31)).policy_id == "cn-53-2024"
    assert packs.resolve("53", D(2025, 1, 1)).policy_id == "cn-53-2025"
    assert packs.resolve("53", D(2025, 12, 31)).policy_id == "cn-53-2025"
    assert packs.resolve("53", D(2026, 1, 1)).policy_id == "cn-53-2026"
    assert packs.resolve("53", D(2026, 12, 31)).policy_id == "cn-53-2026"
    assert packs.resolve("53", D(2027, 1, 1)).policy_id == "cn-53-2027"  # provisional, carried forward


@pytest.mark.parametrize(("division", "day"), [("52", D(2026, 11, 1)), ("53", D(2028, 1, 1)), ("21", D(2023, 1, 1))])
def test_no_threshold_in_force_is_a_clear_error(packs, division, day):
    with pytest.raises(PolicyError) as e:
        packs.resolve(division, day)
    assert e.value.code == "POLICY_NO_THRESHOLD"
    assert day.isoformat() in e.value.message and division in e.value.message


def test_no_threshold_message_names_the_province_in_chinese(packs):
    with pytest.raises(PolicyError) as e:
        packs.resolve("522301101201", D(2026, 11, 1))
    assert "贵州省" in e.value.message and "2026-11-01" in e.value.message


def test_before_any_pack_is_in_force_nothing_is_found(packs):
    with pytest.raises(PolicyError) as e:
        packs.resolve("53", D(2020, 6, 1))
    assert e.value.code == "POLICY_NOT_FOUND"


@pytest.mark.parametrize("code", ["5", "53a", "5323281", ""])
def test_invalid_division_codes(code):
    with pytest.raises(PolicyError):
        normalise_division(code)


def test_division_codes_normalise_to_scope_prefixes():
    assert [normalise_division(c) for c in ("530000", "532300", "532328", "532328101201")] == [
        "53",
        "5323",
        "532328",
        "532328",
    ]


def test_resolutions_are_cached(packs):
    a = packs.resolve("532328", D(2025, 3, 1))
    assert packs.resolve("532328", D(2025, 3, 1)) is a
    assert packs.resolve("532301", D(2025, 9, 1)) is a  # same pack and wording → same object


def test_params_cannot_be_mutated_through_a_cached_policy(packs):
    policy = packs.resolve("53", D(2025, 3, 1))
    with pytest.raises(TypeError):
        policy.params["monitoring_threshold_fen"] = 1  # type: ignore[index]


def test_resolved_fields_come_from_params(packs):
    policy = packs.resolve("53", D(2025, 3, 1))
    assert (policy.income_window_months, policy.event_lookback_months) == (12, 12)
    assert (policy.default_risk_code, policy.max_risk_codes) == ("99", 5)
    assert policy.monitoring_threshold_fen == 870_000
    for name in (
        "medical_threshold_alleviated_fen",
        "medical_threshold_other_fen",
        "disaster_loss_threshold_fen",
        "disaster_loss_percent_of_income",
        "income_drop_percent",
        "water_outage_days_threshold",
        "rigid_expense_percent_of_income",
    ):
        assert name in policy.params


def test_a_province_overrides_one_national_param_and_inherits_the_rest(packs):
    liaoning = packs.resolve("21", D(2022, 6, 1))
    yunnan = packs.resolve("53", D(2025, 6, 1))
    assert liaoning.params["rigid_expense_percent_of_income"] == 80
    assert yunnan.params["rigid_expense_percent_of_income"] == 100
    assert liaoning.params["income_drop_percent"] == yunnan.params["income_drop_percent"]


def test_terminology_switches_in_2026(packs):
    assert packs.resolve("53", D(2025, 12, 31)).terminology["monitoring_object"] == "监测对象"
    assert packs.resolve("53", D(2026, 1, 1)).terminology["monitoring_object"] == "防止返贫致贫对象"


def test_child_overrides_a_rule_disables_one_and_adds_one(tmp_path):
    body = THRESHOLD + (
        "rules:\n"
        '  - {id: INCOME_COLLAPSE, risk_codes: ["07"]}\n'
        "  - {id: UNINSURED, enabled: false}\n"
        '  - {id: LOCAL_BIG_FAMILY, kind: risk, when: members > 8, risk_codes: ["99"], reason: "{members} 人"}\n'
    )
    packs = load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))])
    policy = packs.resolve("99", D(2025, 6, 1))
    rules = {r.rule_id: r for r in policy.rules}
    national = {
        r.rule_id: r for r in packs.resolve_pack("cn-national", None, D(2025, 6, 1), require_threshold=False).rules
    }
    assert rules["INCOME_COLLAPSE"].risk_codes == ("07",)
    assert rules["INCOME_COLLAPSE"].when == national["INCOME_COLLAPSE"].when  # unchanged fields kept
    assert "UNINSURED" not in rules and "UNINSURED" in national
    assert policy.rules[-1].rule_id == "LOCAL_BIG_FAMILY"
    order = [r.rule_id for r in policy.rules]
    assert order.index("INCOME_COLLAPSE") == [r.rule_id for r in national.values()].index("INCOME_COLLAPSE")


def test_disabling_an_unknown_rule_is_an_error(tmp_path):
    body = THRESHOLD + "rules:\n  - {id: NO_SUCH_RULE, enabled: false}\n"
    with pytest.raises(PolicyError) as e:
        load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))])
    assert e.value.code == "POLICY_SCHEMA" and e.value.line == 11 and "NO_SUCH_RULE" in e.value.message


def test_a_new_rule_must_be_complete(tmp_path):
    body = THRESHOLD + 'rules:\n  - {id: TYPO_RULE, risk_codes: ["01"]}\n'
    with pytest.raises(PolicyError) as e:
        load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))])
    assert "kind" in e.value.message and e.value.line == 11


def test_unknown_name_in_a_rule_names_file_line_and_allowed_names(tmp_path):
    body = THRESHOLD + 'rules:\n  - {id: R1, kind: shock, when: net_income_fen < x, reason: "r"}\n'
    path = write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))
    with pytest.raises(PolicyError) as e:
        load_packs([path])
    (issue,) = e.value.issues
    assert (issue.code, issue.file, issue.line, issue.field) == ("RULE_UNKNOWN_NAME", str(path), 11, "rules[0].when")
    assert "monitoring_threshold_fen" in issue.message and "net_income_fen" in issue.message


def test_a_risk_code_must_exist_in_the_table(tmp_path):
    body = THRESHOLD + 'rules:\n  - {id: R1, kind: risk, when: members > 1, risk_codes: ["08"], reason: "r"}\n'
    with pytest.raises(PolicyError) as e:
        load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))])
    assert "08" in e.value.message and e.value.issues[0].field == "rules[0].risk_codes"


def test_a_custom_param_can_be_added_and_used(tmp_path):
    body = (
        "params:\n  monitoring_threshold: {amount_yuan: 8000}\n  big_family_members: 8\n"
        'rules:\n  - {id: BIG, kind: risk, when: members > big_family_members, reason: "{big_family_members}"}\n'
    )
    policy = load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))]).resolve("99", D(2025, 1, 1))
    assert policy.params["big_family_members"] == 8


def test_a_param_may_not_shadow_a_feature(tmp_path):
    body = "params:\n  monitoring_threshold: {amount_yuan: 8000}\n  members: 3\n"
    with pytest.raises(PolicyError) as e:
        load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))])
    assert e.value.issues[0].field == "params.members"


def test_extends_must_exist(tmp_path):
    path = write(tmp_path, "p.yaml", pack_text("cn-99-2025", extends="cn-nowhere", body=THRESHOLD))
    with pytest.raises(PolicyError) as e:
        load_packs([path])
    (issue,) = e.value.issues
    assert (issue.code, issue.line, issue.field) == ("POLICY_EXTENDS", 4, "extends")


def test_a_cycle_in_extends_is_reported_with_its_path(tmp_path):
    a = write(
        tmp_path, "a.yaml", pack_text("cn-98-a", extends="cn-98-b", scope="{}", start="2030-01-01", end="2030-06-30")
    )
    b = write(
        tmp_path, "b.yaml", pack_text("cn-98-b", extends="cn-98-a", scope="{}", start="2030-07-01", end="2030-12-31")
    )
    with pytest.raises(PolicyError) as e:
        load_packs([a, b])
    codes = {(i.code, i.file, i.line) for i in e.value.issues}
    assert ("POLICY_EXTENDS", str(a), 4) in codes and ("POLICY_EXTENDS", str(b), 4) in codes
    assert any("cn-98-a → cn-98-b → cn-98-a" in i.message for i in e.value.issues)


def test_a_child_scope_must_lie_within_its_parent(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        pack_text("cn-350526-2025", extends="cn-53-2025", scope='{county: "350526"}', body=THRESHOLD),
    )
    with pytest.raises(PolicyError) as e:
        load_packs([path])
    assert e.value.code == "POLICY_EXTENDS" and e.value.field == "scope"


def test_overlapping_packs_of_the_same_scope_are_refused(tmp_path):
    path = write(
        tmp_path,
        "p.yaml",
        pack_text("cn-53-2025b", scope='{province: "53"}', start="2025-06-01", end="2026-05-31", body=THRESHOLD),
    )
    with pytest.raises(PolicyError) as e:
        load_packs([path])
    mine = [i for i in e.value.issues if i.code == "POLICY_OVERLAP" and i.file == str(path)]
    assert all(i.line == 6 and i.field == "effective_from" for i in mine)
    assert sorted(w for i in mine for w in ("cn-53-2025", "cn-53-2026") if w in i.message) == [
        "cn-53-2025",
        "cn-53-2026",
    ]


def test_duplicate_ids_among_user_files_are_refused(tmp_path):
    a = write(tmp_path, "a.yaml", pack_text("cn-99-2025", body=THRESHOLD))
    b = write(tmp_path, "b.yaml", pack_text("cn-99-2025", scope='{province: "98"}', body=THRESHOLD))
    with pytest.raises(PolicyError) as e:
        load_packs([a, b])
    assert e.value.code == "POLICY_SCHEMA" and "重复" in e.value.message


def test_a_user_pack_with_a_shipped_id_replaces_it(tmp_path):
    text = pack_text(
        "cn-53-2026",
        scope='{province: "53"}',
        start="2026-01-01",
        end="2026-12-31",
        body="params:\n  monitoring_threshold: {amount_yuan: 9000}\n",
    )
    path = write(tmp_path, "cn-53-2026.yaml", text)
    packs = load_packs([tmp_path])  # a directory works too
    assert packs.resolve("53", D(2026, 6, 1)).params["monitoring_threshold_fen"] == 900_000
    assert packs.id_of_file(path) == "cn-53-2026"


def test_resolve_pack_descends_to_the_pack_in_force_for_the_place(packs):
    policy = packs.resolve_pack("cn-national", "53", D(2024, 1, 1))
    assert policy.policy_id == "cn-53-2024"


def test_resolve_pack_uses_a_named_pack_outside_its_window(packs):
    policy = packs.resolve_pack("cn-53-2025", "532328", D(2026, 11, 1))
    assert policy.policy_id == "cn-53-2025" and policy.monitoring_threshold_fen == 870_000


def test_resolve_pack_refuses_a_place_outside_the_pack_scope(packs):
    with pytest.raises(PolicyError) as e:
        packs.resolve_pack("cn-21-2022", "532328", D(2022, 6, 1))
    assert e.value.code == "POLICY_NOT_FOUND"


def test_unknown_pack_id(packs):
    with pytest.raises(PolicyError) as e:
        packs.resolve_pack("cn-00-1999", None, D(2025, 1, 1))
    assert e.value.code == "POLICY_NOT_FOUND" and "cn-53-2025" in e.value.message


def test_resolve_file_uses_the_file_as_leaf(tmp_path, packs):
    path = write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=THRESHOLD))
    policy = packs.resolve_file(path, "99", D(2025, 2, 1))
    assert policy.policy_id == "cn-99-2025" and policy.monitoring_threshold_fen == 800_000


def test_content_hash_is_stable_across_key_order_and_fresh_sets(tmp_path):
    one = pack_text("cn-99-2025", body=THRESHOLD)
    lines = one.splitlines(keepends=True)
    reordered = "".join(reversed(lines[:7])) + "".join(lines[7:])
    a = load_packs([write(tmp_path, "a.yaml", one)]).resolve("99", D(2025, 5, 1))
    b = load_packs([write(tmp_path, "b.yaml", reordered)]).resolve("99", D(2025, 5, 1))
    assert a is not b and a.content_hash == b.content_hash
    fresh = PackSet(list(shipped_packs())).resolve("53", D(2025, 5, 1))
    assert fresh.content_hash == load_packs().resolve("53", D(2025, 5, 1)).content_hash
    assert len(a.content_hash) == 64


def test_content_hash_changes_when_a_value_changes(tmp_path):
    a = load_packs([write(tmp_path, "a.yaml", pack_text("cn-99-2025", body=THRESHOLD))])
    b_text = pack_text("cn-99-2025", body=THRESHOLD.replace("8000", "8000.01"))
    b = load_packs([write(tmp_path, "b.yaml", b_text)])
    assert a.resolve("99", D(2025, 5, 1)).content_hash != b.resolve("99", D(2025, 5, 1)).content_hash


def test_provinces_in_force(packs):
    assert packs.provinces_in_force(D(2024, 6, 1)) == {
        "350526": "cn-350526-2024",
        "360703": "cn-360703-2024",
        "53": "cn-53-2024",
    }


def test_a_null_field_in_an_override_keeps_the_inherited_value(tmp_path):
    body = THRESHOLD + 'rules:\n  - {id: INCOME_COLLAPSE, when: null, label: null, risk_codes: ["07"]}\n'
    policy = load_packs([write(tmp_path, "p.yaml", pack_text("cn-99-2025", body=body))]).resolve("99", D(2025, 1, 1))
    rule = next(r for r in policy.rules if r.rule_id == "INCOME_COLLAPSE")
    assert rule.label == "收入大幅缩减" and rule.risk_codes == ("07",) and "prev_net_income_fen" in str(rule.when)
