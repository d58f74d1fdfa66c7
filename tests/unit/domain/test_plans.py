"""The plan aggregate: versions, the item lifecycle, caps, recommendations, the floors and effect tracking.

The catalogue is the shipped national one, resolved for a Yunnan county; households are built
from domain objects with resident IDs made for the test's own birth dates.
"""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, members_facts
from jingzhun.domain.errors import DomainError
from jingzhun.domain.household import Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, make_resident_id
from jingzhun.domain.measures import check_eligibility
from jingzhun.domain.plans import (
    AssistancePlan,
    EffectVerdict,
    ItemStatus,
    PlanItem,
    assess_effect,
    plan_checks,
    recommend,
)
from jingzhun.domain.vocab import LaborCapacity, Relation, Schooling
from jingzhun.policy import load_packs

ON = dt.date(2026, 11, 10)
AT = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
POLICY = load_packs().resolve("532328101201", ON)
CATALOGUE = POLICY.measures
THRESHOLD = POLICY.monitoring_threshold_fen


def measure(mid: str):
    m = POLICY.measure(mid)
    assert m is not None
    return m


def person(seq: int, birth: dt.date, labour=LaborCapacity.ORDINARY, schooling=Schooling.NONE, rel=Relation.CHILD):
    return Member(make_resident_id("532328", birth, seq), f"成员{seq}", rel, labor_capacity=labour, schooling=schooling)


def family(*members: Member, per_capita_fen: int | None = None, alleviated=True) -> Household:
    incomes = []
    if per_capita_fen is not None:
        incomes = [IncomeWindow(YearMonth(2026, 10), transfer=per_capita_fen * len(members))]
    return Household("H1", DivisionCode("532328101201"), alleviated=alleviated, members=list(members), incomes=incomes)


def facts(hh: Household, monitored=True):
    status = MonitoringStatus(monitored=monitored, category=MonitoringCategory.UNSTABLE_ALLEVIATED)
    return household_facts(hh, status, window=YearMonth(2026, 10))


ADULT = person(1, dt.date(1980, 5, 1), rel=Relation.HEAD)
CHILD = person(3, dt.date(2015, 5, 1), labour=LaborCapacity.NONE, schooling=Schooling.PRIMARY)
ELDER = person(5, dt.date(1940, 5, 1), labour=LaborCapacity.LOST, rel=Relation.PARENT)


def credit_plan() -> tuple[AssistancePlan, object]:
    hh = family(ADULT, CHILD, per_capita_fen=THRESHOLD - 100_000)
    m = measure("MICRO_CREDIT")
    e = check_eligibility(m, facts(hh), members_facts(hh, ON)[ADULT.person_id.value], POLICY.params, on=ON,
                          person_id=ADULT.person_id.value)  # fmt: skip
    return AssistancePlan("P1", "C1", "H1", AT), e


def test_adding_changing_and_moving_items_make_versions_that_keep_the_items_as_they_stood():
    plan, e = credit_plan()
    m = measure("MICRO_CREDIT")
    plan.add_item(m, e, risk_codes=["07"], by="a", role="village_cadre", at=AT, reason="养殖", catalogue="x",
                  amount_fen=2_000_000, term_months=24)  # fmt: skip
    plan.change_item("I1", m, by="b", role="township_reviewer", at=AT, reason="增加额度", catalogue="x",
                     amount_fen=5_000_000)  # fmt: skip
    plan.move_item("I1", ItemStatus.IN_PROGRESS, by="a", role="village_cadre", at=AT, on=ON, catalogue="x")
    assert plan.version == 3
    assert [v.items[0].amount_fen for v in plan.versions] == [2_000_000, 5_000_000, 5_000_000]
    assert plan.versions[1].changes == ("I1 金额：20,000 元 → 50,000 元",) and plan.versions[1].by == "b"
    assert plan.items[0].status is ItemStatus.IN_PROGRESS and plan.items[0].start == ON


def test_caps_are_inclusive_and_one_fen_over_is_refused_without_a_change():
    plan, e = credit_plan()
    m = measure("MICRO_CREDIT")
    kw = {"risk_codes": ["07"], "by": "a", "role": "village_cadre", "at": AT, "reason": "r", "catalogue": "x"}
    plan.add_item(m, e, amount_fen=5_000_000, term_months=36, **kw)
    with pytest.raises(DomainError) as over:
        plan.change_item("I1", m, by="a", role="village_cadre", at=AT, reason="r", catalogue="x", amount_fen=5_000_001)
    assert over.value.code == "MEASURE_AMOUNT_CAP"
    with pytest.raises(DomainError) as term:
        plan.change_item("I1", m, by="a", role="village_cadre", at=AT, reason="r", catalogue="x", term_months=37)
    assert term.value.code == "MEASURE_TERM_CAP"
    assert plan.version == 1 and plan.items[0].amount_fen == 5_000_000


def test_an_ineligible_measure_cannot_be_added():
    hh = family(ADULT, CHILD, per_capita_fen=THRESHOLD)
    m = measure("MICRO_CREDIT")
    e = check_eligibility(m, facts(hh), members_facts(hh, ON)[CHILD.person_id.value], POLICY.params, on=ON,
                          person_id=CHILD.person_id.value)  # fmt: skip
    plan = AssistancePlan("P1", "C1", "H1", AT)
    with pytest.raises(DomainError) as refused:
        plan.add_item(m, e, risk_codes=["07"], by="a", role="village_cadre", at=AT, reason="r", catalogue="x")
    assert refused.value.code == "MEASURE_NOT_ELIGIBLE" and plan.version == 0


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ([ItemStatus.IN_PROGRESS, ItemStatus.DELIVERED, ItemStatus.ENDED], True),
        ([ItemStatus.IN_PROGRESS, ItemStatus.ENDED], True),
        ([ItemStatus.DELIVERED], False),  # not delivered before it started
        ([ItemStatus.IN_PROGRESS, ItemStatus.DELIVERED, ItemStatus.IN_PROGRESS], False),
        ([ItemStatus.CANCELLED, ItemStatus.IN_PROGRESS], False),
    ],
)
def test_the_item_lifecycle_moves_forward_only(path, ok):
    plan, e = credit_plan()
    m = measure("MICRO_CREDIT")
    plan.add_item(m, e, risk_codes=["07"], by="a", role="village_cadre", at=AT, reason="r", catalogue="x")
    try:
        for status in path:
            plan.move_item("I1", status, by="a", role="village_cadre", at=AT, on=ON, reason="因故", catalogue="x")
    except DomainError as err:
        assert not ok and err.code == "ITEM_STATUS"
    else:
        assert ok


def test_the_lifecycle_table_offers_each_status_its_next_steps_in_order():
    assert ItemStatus.PLANNED.next == (ItemStatus.IN_PROGRESS, ItemStatus.CANCELLED)
    assert ItemStatus.IN_PROGRESS.next == (ItemStatus.DELIVERED, ItemStatus.ENDED, ItemStatus.CANCELLED)
    assert ItemStatus.DELIVERED.next == (ItemStatus.ENDED,)
    assert ItemStatus.ENDED.next == () and ItemStatus.CANCELLED.next == ()


def test_cancelling_needs_a_reason():
    plan, e = credit_plan()
    plan.add_item(measure("MICRO_CREDIT"), e, risk_codes=["07"], by="a", role="r", at=AT, reason="r", catalogue="x")
    with pytest.raises(DomainError) as err:
        plan.move_item("I1", ItemStatus.CANCELLED, by="a", role="r", at=AT, on=ON, catalogue="x")
    assert err.value.code == "REASON_MISSING"


def test_recommendations_are_eligible_address_the_risk_and_put_development_first_for_a_household_that_can_work():
    hh = family(ADULT, CHILD, per_capita_fen=THRESHOLD - 200_000)
    f = facts(hh)
    names = {m.person_id.value: m.name for m in hh.members}
    labels = {"07": "因务工就业不稳", "04": "因缺劳动力"}
    (risk,) = recommend(CATALOGUE, ["07"], labels, f, members_facts(hh, ON), names, POLICY.params, on=ON)
    assert risk.options, "an able, alleviated household with a job-loss risk has options"
    for o in risk.options:
        assert o.measure.addresses_risk("07")
        person = members_facts(hh, ON).get(o.person_id) if o.person_id else None
        assert check_eligibility(o.measure, f, person, POLICY.params, on=ON, person_id=o.person_id).eligible
    assert risk.options[0].measure.role.value == "development"
    assert CHILD.person_id.value not in {o.person_id for o in risk.options if o.measure.measure_id == "MICRO_CREDIT"}


def test_a_household_without_labour_gets_safety_net_first_and_no_development_measure():
    hh = family(ELDER, per_capita_fen=THRESHOLD - 200_000)
    f = facts(hh)
    (risk,) = recommend(CATALOGUE, ["04"], {"04": "因缺劳动力"}, f, members_facts(hh, ON), {}, POLICY.params, on=ON)
    assert risk.options[0].measure.role.value == "safety_net"
    assert all(o.measure.role.value != "development" for o in risk.options)


def test_the_floors_apply_to_whom_they_are_meant_for_and_count_chain_records():
    able = facts(family(ADULT, per_capita_fen=THRESHOLD))
    none = facts(family(ELDER, per_capita_fen=THRESHOLD))
    dev, net = plan_checks(able, CATALOGUE, [])
    assert dev.applies and not dev.satisfied and not net.applies and net.satisfied
    item = PlanItem("I1", "INDUSTRY_SUPPORT", None, ("07",), ItemStatus.IN_PROGRESS, "agriculture", "")
    assert plan_checks(able, CATALOGUE, [item])[0].satisfied
    cancelled = PlanItem("I1", "INDUSTRY_SUPPORT", None, ("07",), ItemStatus.CANCELLED, "agriculture", "")
    assert not plan_checks(able, CATALOGUE, [cancelled])[0].satisfied
    _, net = plan_checks(none, CATALOGUE, [])
    assert net.applies and not net.satisfied
    assert plan_checks(none, CATALOGUE, [], chain_measures=["DIBAO"])[1].satisfied  # dibao from civil affairs


def _item(start: dt.date, status=ItemStatus.IN_PROGRESS, mid="INDUSTRY_SUPPORT") -> PlanItem:
    return PlanItem("I1", mid, None, ("07",), status, "agriculture", "", start=start)


def test_income_at_the_threshold_is_met_and_one_fen_below_is_not():
    items = [_item(dt.date(2025, 1, 1))]
    kw = {"members": 2, "window_end": dt.date(2026, 10, 31), "threshold_fen": THRESHOLD, "on": ON, "able_labourers": 1}
    assert assess_effect(items, CATALOGUE, net_income_fen=2 * THRESHOLD, **kw).verdict is EffectVerdict.MET
    below = assess_effect(items, CATALOGUE, net_income_fen=2 * THRESHOLD - 1, **kw)
    assert below.verdict is EffectVerdict.SLOW  # its effect was due in 2026-01 and income is still below


def test_an_item_whose_effect_is_due_after_the_window_is_projected_not_overdue():
    m = measure("INDUSTRY_SUPPORT")
    window_end = dt.date(2026, 10, 31)
    start = dt.date(2025, 11, 1)  # due 2026-11-01: one day after the window ends
    members = 2
    net = 2 * THRESHOLD - m.expected_income_fen + 100  # the expected gain closes the gap
    kw = {"members": members, "window_end": window_end, "threshold_fen": THRESHOLD, "on": ON, "able_labourers": 1}
    pending = assess_effect([_item(start)], CATALOGUE, net_income_fen=net, **kw)
    assert pending.verdict is EffectVerdict.ON_TRACK and not pending.stack_safety_net
    assert pending.projected_fen == (net + m.expected_income_fen) // members
    due = assess_effect(
        [_item(dt.date(2025, 10, 31))], CATALOGUE, net_income_fen=net, **kw
    )  # due on the window's last day
    assert due.verdict is EffectVerdict.SLOW and any("应已见效" in f for f in due.findings)


def test_a_gap_development_cannot_close_proposes_stacking_the_safety_net():
    kw = {"members": 3, "window_end": dt.date(2026, 10, 31), "threshold_fen": THRESHOLD, "on": ON, "able_labourers": 1}
    effect = assess_effect([_item(dt.date(2026, 9, 1))], CATALOGUE, net_income_fen=THRESHOLD, **kw)
    assert effect.verdict is EffectVerdict.SLOW and effect.stack_safety_net
    no_labour = assess_effect([], CATALOGUE, net_income_fen=None, **{**kw, "able_labourers": 0})
    assert no_labour.verdict is EffectVerdict.UNKNOWN and no_labour.stack_safety_net
