"""The elimination criteria of one household at their edges: stable months, the threshold, labour, basic needs.

The criteria are the shipped national ones resolved for a Yunnan county on a day of 2026 (six
stable months, two months after identification); households are built from domain objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from jingzhun.domain.cases import Actor, Case, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.elimination import (
    CaseFacts,
    EliminationMethod,
    assess_household,
    stable_income_months,
    whole_months,
)
from jingzhun.domain.features import DepartmentEvent
from jingzhun.domain.household import Conditions, Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.plans import AssistancePlan, ItemStatus, PlanItem
from jingzhun.domain.policy import Severity
from jingzhun.domain.vocab import LaborCapacity, Relation
from jingzhun.domain.workflow import Role
from jingzhun.policy import load_packs
from jingzhun.policy.workflow_registry import resolve_workflow

ON = dt.date(2026, 12, 2)  # the window read is the one ending 2026-11
WINDOW = YearMonth(2026, 11)
POLICY = load_packs().resolve("532328101201", ON)
THRESHOLD = POLICY.monitoring_threshold_fen
STABLE = POLICY.params["elimination_stable_months"]
ADULT = Member(make_resident_id("532328", dt.date(1980, 5, 1), 1), "户主", Relation.HEAD)
ELDER = Member(make_resident_id("532328", dt.date(1940, 5, 1), 3), "老人", Relation.PARENT,
               labor_capacity=LaborCapacity.LOST)  # fmt: skip
HELPED = CaseFacts(risks_without_measure=0, measures_in_effect=1, months_since_identification=8)


def household(*windows: tuple[YearMonth, int], members=(ADULT, ELDER), **kw) -> Household:
    """A household whose per-capita income in each window (ending ``ym``) is the given fen."""
    incomes = [IncomeWindow(ym, wage=pc * len(members)) for ym, pc in windows]
    return Household("H1", DivisionCode("532328101201"), alleviated=True, members=list(members), incomes=incomes, **kw)


def verdict(hh: Household, case: CaseFacts = HELPED, events=()):
    return assess_household(hh, list(events), ON, POLICY, case)


def unmet(a) -> set[str]:
    return {r.criterion_id for r in a.results if not r.met}


def test_the_policy_says_six_stable_months_and_flags_elimination_within_two_months():
    assert STABLE == 6 and POLICY.params["elimination_min_months"] == 2
    severities = {c.criterion_id: c.severity for c in POLICY.elimination}
    assert severities["ELIM_NOT_TOO_SOON"] is Severity.FLAG
    assert {k for k, v in severities.items() if v is Severity.BLOCK} >= {"ELIM_INCOME_STABLE", "ELIM_HAS_LABOUR"}


@pytest.mark.parametrize(("months", "eligible"), [(5, False), (6, True), (12, True)])
def test_income_above_the_line_for_five_months_is_not_stable_six_is(months, eligible):
    hh = household((WINDOW.shift(-months), THRESHOLD + 50_000), (WINDOW, THRESHOLD + 50_000))
    a = verdict(hh)
    assert a.evidence["stable_income_months"] == months
    assert a.eligible is eligible
    assert unmet(a) == (set() if eligible else {"ELIM_INCOME_STABLE"})
    if not eligible:
        (why,) = a.blocked
        assert why.reason == f"收入不低于监测标准仅有 {months} 个月的记录，不足 6 个月"


def test_income_equal_to_the_threshold_is_at_the_threshold_and_one_fen_less_is_below():
    at = verdict(household((WINDOW.shift(-6), THRESHOLD), (WINDOW, THRESHOLD)))
    assert at.eligible and at.evidence["stable_income_months"] == 6
    below = verdict(household((WINDOW.shift(-6), THRESHOLD), (WINDOW, THRESHOLD - 1)))
    assert not below.eligible
    assert unmet(below) >= {"ELIM_INCOME_AT_THRESHOLD", "ELIM_INCOME_STABLE", "ELIM_NO_OPEN_RISK"}
    assert below.evidence["stable_income_months"] == 0
    assert "INCOME_BELOW_THRESHOLD" in below.open_rules


def test_a_window_below_the_line_breaks_the_run_and_a_missing_current_window_proves_nothing():
    hh = household((WINDOW.shift(-12), THRESHOLD + 1), (WINDOW.shift(-6), THRESHOLD - 1), (WINDOW, THRESHOLD + 1))
    assert stable_income_months(hh, WINDOW, THRESHOLD) == 0
    hh = household((WINDOW.shift(-12), THRESHOLD - 1), (WINDOW.shift(-7), THRESHOLD), (WINDOW, THRESHOLD))
    assert stable_income_months(hh, WINDOW, THRESHOLD) == 7
    old = household((WINDOW.shift(-12), THRESHOLD + 1), (WINDOW.shift(-1), THRESHOLD + 1))
    assert stable_income_months(old, WINDOW, THRESHOLD) is None
    a = verdict(old)
    assert not a.eligible and {"ELIM_INCOME_AT_THRESHOLD", "ELIM_INCOME_STABLE"} <= unmet(a)  # NULL is not met


def test_a_household_with_no_labour_capacity_is_never_a_candidate_however_high_its_income():
    rich = [(WINDOW.shift(-12), THRESHOLD * 3), (WINDOW, THRESHOLD * 3)]
    a = verdict(household(*rich, members=(ELDER,)))
    assert not a.eligible and unmet(a) == {"ELIM_HAS_LABOUR"}
    assert "落实兜底保障后不标注风险消除" in a.blocked[0].reason


def test_basic_needs_and_open_measures_block_with_the_values_in_the_reason():
    stable = [(WINDOW.shift(-6), THRESHOLD + 1), (WINDOW, THRESHOLD + 1)]
    unsafe = verdict(household(*stable, conditions=Conditions(housing_safe=False)))
    assert "ELIM_BASIC_NEEDS_SECURE" in unmet(unsafe)
    reason = next(r.reason for r in unsafe.blocked if r.criterion_id == "ELIM_BASIC_NEEDS_SECURE")
    assert "住房不安全：是" in reason and "饮水不安全：否" in reason
    uninsured = dataclasses.replace(ADULT, medical_insured=False)
    assert "ELIM_BASIC_NEEDS_SECURE" in unmet(verdict(household(*stable, members=(uninsured, ELDER))))
    open_risk = CaseFacts(risks_without_measure=2, measures_in_effect=1, months_since_identification=8)
    a = verdict(household(*stable), open_risk)
    assert unmet(a) == {"ELIM_MEASURES_IN_PLACE"} and a.blocked[0].reason == "2 项已确认的风险尚未落实帮扶措施"


def test_a_large_medical_bill_in_the_lookback_keeps_the_risk_open():
    stable = [(WINDOW.shift(-6), THRESHOLD + 1), (WINDOW, THRESHOLD + 1)]
    bill = DepartmentEvent("medical_insurance", "YB1", "medical_expense", ON - dt.timedelta(days=40),
                           ADULT.person_id.value, None, 5_000_000)  # fmt: skip
    a = verdict(household(*stable), events=[bill])
    assert unmet(a) == {"ELIM_NO_OPEN_RISK"} and a.open_rules


def test_elimination_soon_after_identification_is_flagged_not_blocked_and_the_method_follows_the_measures():
    stable = [(WINDOW.shift(-6), THRESHOLD + 1), (WINDOW, THRESHOLD + 1)]
    soon = CaseFacts(risks_without_measure=0, measures_in_effect=0, months_since_identification=1)
    a = verdict(household(*stable), soon)
    assert a.eligible and [r.criterion_id for r in a.flagged] == ["ELIM_NOT_TOO_SOON"]
    assert a.flagged[0].reason == "识别后仅 1 个月即提出消除（一般不少于 2 个月），须说明理由"
    assert a.method is EliminationMethod.NATURAL and a.method.action == "eliminate_naturally"
    assert verdict(household(*stable)).method is EliminationMethod.ASSISTANCE


def test_whole_months_count_only_completed_months():
    assert whole_months(dt.date(2026, 1, 31), dt.date(2026, 2, 28)) == 0
    assert whole_months(dt.date(2026, 1, 31), dt.date(2026, 3, 1)) == 1
    assert whole_months(dt.date(2026, 10, 2), dt.date(2026, 12, 2)) == 2
    assert whole_months(dt.date(2026, 10, 3), dt.date(2026, 12, 2)) == 1


def test_case_facts_count_risks_left_without_a_started_measure():
    wf = resolve_workflow("identification", "532328101201", dt.date(2026, 6, 1))
    cadre = Actor("c", Role.VILLAGE_CADRE, "532328101201")
    t0 = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    case = Case.open("C1", wf, [Lead("L1", "H1", Channel.SELF_DECLARATION, t0)])
    for i, (action, kw) in enumerate([
        ("accept", {}), ("green_channel", {"reason": "急需"}), ("resume", {}),
        ("submit_verification", {"evidence": ["verification_form", "signed_consent"],
                                 "category": MonitoringCategory.UNSTABLE_ALLEVIATED, "risk_codes": ["07", "01"]}),
    ]):  # fmt: skip
        case.act(wf, action, cadre, t0 + dt.timedelta(hours=i + 1), **kw)
    plan = AssistancePlan("P1", "C1", "H1", t0)
    plan.items.append(PlanItem("I1", "INDUSTRY_SUPPORT", None, ("07",), ItemStatus.IN_PROGRESS, "agriculture", ""))
    plan.items.append(PlanItem("I2", "MEDICAL_ASSISTANCE", None, ("01",), ItemStatus.PLANNED, "medical_insurance", ""))
    facts = CaseFacts.of(case, wf, plan, ON)
    assert facts == CaseFacts(risks_without_measure=1, measures_in_effect=1, months_since_identification=6)
    assert CaseFacts.of(case, wf, None, ON).risks_without_measure == 2
