"""The shipped default rules behave as the policy notes say, at their exact boundaries."""

import datetime as dt

import pytest

from jingzhun.domain.features import FEATURE_NAMES
from jingzhun.domain.policy import ResolvedPolicy, RuleKind
from jingzhun.domain.rules import evaluate
from jingzhun.policy import load_packs

YUNNAN_2025 = load_packs().resolve("532328", dt.date(2025, 6, 1))


def household(**overrides: object) -> dict[str, object]:
    """An unremarkable 3-person household above the threshold, with every feature present."""
    base: dict[str, object] = dict.fromkeys(FEATURE_NAMES, 0)
    base.update(
        members=3,
        able_labourers=2,
        alleviated=False,
        net_income_fen=6_000_000,
        per_capita_income_fen=2_000_000,
        prev_net_income_fen=6_000_000,
        prev_per_capita_income_fen=2_000_000,
        housing_unsafe=False,
        water_unsafe=False,
        medical_self_paid_fen=0,
        education_self_paid_fen=0,
    )
    base.update(overrides)
    return base


def fired(features: dict[str, object], policy: ResolvedPolicy = YUNNAN_2025) -> set[str]:
    env = {**policy.params, **features}
    return {r.rule_id for r in policy.rules if evaluate(r.when, env) is True}  # type: ignore[arg-type]


def test_every_shipped_pack_resolves_and_every_rule_names_known_things():
    packs = load_packs()
    assert len(packs) >= 9
    for pack in packs:
        policy = packs.resolve_pack(pack.id, None, pack.spec.effective_from, require_threshold=False)
        codes = {t.code for t in policy.risk_types}
        assert all(set(r.risk_codes) <= codes for r in policy.rules)
        assert all(r.reason and r.label for r in policy.rules)


def test_a_quiet_household_fires_nothing():
    assert fired(household()) == set()


@pytest.mark.parametrize(("income_fen", "below"), [(2_609_999, True), (2_610_000, False), (2_610_001, False)])
def test_income_threshold_is_strict_and_exact(income_fen, below):
    assert ("INCOME_BELOW_THRESHOLD" in fired(household(net_income_fen=income_fen))) is below


def test_unknown_income_does_not_fire_the_income_rule():
    assert "INCOME_BELOW_THRESHOLD" not in fired(household(net_income_fen=None, prev_net_income_fen=None))


@pytest.mark.parametrize(
    ("alleviated", "amount_fen", "rule"),
    [(True, 876_101, "MEDICAL_BURDEN_ALLEVIATED"), (False, 1_752_201, "MEDICAL_BURDEN_OTHER")],
)
def test_medical_burden_above_the_line_for_each_group(alleviated, amount_fen, rule):
    assert rule in fired(household(alleviated=alleviated, max_person_medical_fen=amount_fen))
    assert rule not in fired(household(alleviated=alleviated, max_person_medical_fen=amount_fen - 1))


def test_rigid_expense_at_the_share_of_income_with_its_dominant_cause():
    hit = fired(household(medical_self_paid_fen=4_000_000, education_self_paid_fen=2_000_000))
    assert {"RIGID_EXPENSE_OVER_INCOME", "RIGID_EXPENSE_MEDICAL"} <= hit and "RIGID_EXPENSE_EDUCATION" not in hit
    school = fired(household(medical_self_paid_fen=None, education_self_paid_fen=6_000_000))
    assert {"RIGID_EXPENSE_OVER_INCOME", "RIGID_EXPENSE_EDUCATION"} <= school
    assert "RIGID_EXPENSE_OVER_INCOME" not in fired(household(medical_self_paid_fen=5_999_999))


def test_liaoning_fires_rigid_expense_at_80_percent():
    liaoning = load_packs().resolve("21", dt.date(2022, 6, 1))
    assert "RIGID_EXPENSE_OVER_INCOME" in fired(household(medical_self_paid_fen=4_800_000), liaoning)
    assert "RIGID_EXPENSE_OVER_INCOME" not in fired(household(medical_self_paid_fen=4_799_999), liaoning)


def test_income_collapse_at_half_of_the_previous_window():
    assert "INCOME_COLLAPSE" in fired(household(net_income_fen=3_000_000))
    assert "INCOME_COLLAPSE" not in fired(household(net_income_fen=3_000_001))
    assert "INCOME_COLLAPSE" not in fired(household(prev_net_income_fen=None))


def test_disaster_loss_by_amount_or_by_share_of_income():
    assert "DISASTER_LOSS" in fired(household(disaster_loss_fen=1_000_000))
    assert "DISASTER_LOSS" in fired(household(net_income_fen=1_000_000, disaster_loss_fen=500_000))
    assert "DISASTER_LOSS" not in fired(household(disaster_loss_fen=999_999))


def test_death_of_the_only_labourer_but_not_of_one_of_two():
    assert "LABOURER_DEATH" in fired(household(able_labourers=1, labourer_deaths=1))
    assert "LABOURER_DEATH" not in fired(household(able_labourers=2, labourer_deaths=1))


def test_water_outage_of_more_than_30_days():
    assert "WATER_UNSAFE" in fired(household(water_outage_days=31))
    assert "WATER_UNSAFE" not in fired(household(water_outage_days=30))
    assert "WATER_UNSAFE" in fired(household(water_unsafe=True))


def test_basic_needs_and_risk_annotations():
    hit = fired(
        household(
            dropouts=1,
            uninsured=1,
            housing_unsafe=True,
            chronic_illness=1,
            able_labourers=0,
            job_losses=1,
            business_failures=1,
            disabled=1,
            serious_injuries=1,
        )
    )
    assert {
        "DROPOUT",
        "UNINSURED",
        "HOUSING_UNSAFE",
        "CHRONIC_OR_SERIOUS_ILLNESS",
        "NO_LABOUR",
        "JOB_LOSS",
        "BUSINESS_FAILURE",
        "DISABILITY",
        "INJURY",
        "SERIOUS_INJURY",
    } <= hit


def test_kinds_and_codes_of_the_default_rules():
    rules = {r.rule_id: r for r in YUNNAN_2025.rules}
    assert rules["INCOME_BELOW_THRESHOLD"].kind is RuleKind.INCOME
    assert rules["DISASTER_LOSS"].risk_codes == ("0299",)
    assert rules["DROPOUT"].kind is RuleKind.BASIC_NEED and rules["DROPOUT"].risk_codes == ("09",)
    assert all(r.kind is RuleKind.RISK for r in YUNNAN_2025.rules if r.rule_id in {"JOB_LOSS", "NO_LABOUR"})


def test_the_2026_yunnan_pack_is_marked_provisional():
    pack = load_packs().pack("cn-53-2026")
    assert pack.spec.provisional and "2025" in pack.spec.title
