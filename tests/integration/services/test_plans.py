"""Household plans through the services, on SQLite and PostgreSQL: eligibility, caps, versions, audit, rows.

A synthetic county is imported; a household's case goes through the green channel and the visit
(which confirms its risks), so measures may be planned. Members are chosen from the synthetic
data by their facts (an able adult, a child), never by a hard-coded id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import ResidentId
from jingzhun.domain.plans import ItemStatus
from jingzhun.domain.vocab import LaborCapacity
from jingzhun.domain.workflow import Role
from jingzhun.services import plans
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.importer import run_import

from .helpers import GREEN_CHANNEL_STEPS, read_csv, synthetic_registry

T0 = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
TODAY = local_date(dt.datetime.now(dt.UTC))


@dataclass
class Planned:
    engine: object
    case_id: str
    household_id: str
    adult: str  # an able member aged 18–65 today
    child: str  # a member under 18
    cadre: Actor
    town: Actor


def _pick(src) -> tuple[str, str, str, str]:
    members = read_csv(src / "registry" / "members.csv")
    households = read_csv(src / "registry" / "households.csv")
    able = {c.value for c in LaborCapacity if c.is_able}
    for hh in households.iter_rows(named=True):
        rows = members.filter(members["household_id"] == hh["household_id"]).to_dicts()
        ages = {r["person_id"]: ResidentId(r["person_id"]).age_on(TODAY) for r in rows}
        adults = [r["person_id"] for r in rows if r["labor_capacity"] in able and 25 <= ages[r["person_id"]] <= 60]
        children = [p for p, a in ages.items() if a < 16]
        if adults and children and hh["alleviated"] in ("true", "1", "是", "True"):
            return hh["household_id"], hh["division_code"], adults[0], children[0]
    raise AssertionError("the synthetic county has no alleviated household with an able adult and a child")


@pytest.fixture
def planned(engine, tmp_path) -> Planned:
    src = synthetic_registry(tmp_path / "reg", households=120)
    run_import(src, engine)
    household, village, adult, child = _pick(src)
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    town = Actor("town", Role.TOWNSHIP_REVIEWER, village[:9] + "000")
    case = receive_lead(engine, Lead(f"S-{household}", household, Channel.SELF_DECLARATION, T0, "申报"), cadre)
    for i, (action, kw) in enumerate(GREEN_CHANNEL_STEPS):
        act_on_case(engine, case.case_id, action, cadre, at=T0 + dt.timedelta(hours=i + 1), **kw)
    return Planned(engine, case.case_id, household, adult, child, cadre, town)


def test_an_eligible_member_gets_micro_credit_and_the_plan_records_who_when_and_why(planned):
    p = planned
    plan = plans.add_measure(
        p.engine, p.case_id, p.cadre, measure_id="MICRO_CREDIT", person_id=p.adult, risk_codes=["07"],
        amount_fen=3_000_000, term_months=36, reason="发展养殖",
    )  # fmt: skip
    assert plan.version == 1
    (item,) = plan.items
    assert (item.measure_id, item.person_id, item.status) == ("MICRO_CREDIT", p.adult, ItemStatus.PLANNED)
    assert item.eligibility.startswith("符合") and "借款人年龄" in item.eligibility
    v = plan.versions[0]
    assert (v.by, v.role, v.reason) == ("cadre", "village_cadre", "发展养殖") and "新增 I1" in v.changes[0]
    assert v.catalogue.count("@") == 1 and "#" in v.catalogue
    with p.engine.connect() as conn:
        rows = conn.execute(select(t.plan_items)).all()
        events = conn.execute(
            select(t.audit_events.c.action).where(t.audit_events.c.record == f"case:{p.case_id}")
        ).all()
    assert [(r.measure_id, r.status, r.amount_fen) for r in rows] == [("MICRO_CREDIT", "planned", 3_000_000)]
    assert "plan.add_measure" in [e.action for e in events]


def test_an_amount_over_the_cap_a_term_over_the_limit_and_an_ineligible_member_are_refused_and_change_nothing(planned):
    p = planned
    base = {"measure_id": "MICRO_CREDIT", "risk_codes": ["07"], "reason": "x"}
    with pytest.raises(DomainError) as over:
        plans.add_measure(p.engine, p.case_id, p.cadre, person_id=p.adult, amount_fen=5_000_001, **base)
    assert over.value.code == "MEASURE_AMOUNT_CAP"
    with pytest.raises(DomainError) as term:
        plans.add_measure(p.engine, p.case_id, p.cadre, person_id=p.adult, term_months=37, **base)
    assert term.value.code == "MEASURE_TERM_CAP"
    with pytest.raises(DomainError) as child:
        plans.add_measure(p.engine, p.case_id, p.cadre, person_id=p.child, **base)
    assert child.value.code == "MEASURE_NOT_ELIGIBLE" and "借款人年龄" in child.value.message
    with pytest.raises(DomainError) as risk:
        plans.add_measure(p.engine, p.case_id, p.cadre, person_id=p.adult, **{**base, "risk_codes": ["09"]})
    assert risk.value.code == "RISK_NOT_CONFIRMED"
    with p.engine.connect() as conn:
        assert conn.execute(select(t.plans)).first() is None
        assert conn.execute(select(t.plan_items)).first() is None


def test_a_case_not_yet_identified_cannot_have_measures(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=40)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").row(0, named=True)
    cadre = Actor("cadre", Role.VILLAGE_CADRE, hh["division_code"])
    case = receive_lead(engine, Lead("S-1", hh["household_id"], Channel.SELF_DECLARATION, T0, "申报"), cadre)
    with pytest.raises(DomainError) as e:
        plans.add_measure(engine, case.case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    assert e.value.code == "CASE_NO_MEASURES"


def test_every_change_is_a_version_and_a_stale_edit_is_refused(planned):
    p = planned
    plans.add_measure(p.engine, p.case_id, p.cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"], reason="种植")
    plans.change_measure(
        p.engine, p.case_id, p.town, "I1", reason="县里核定补助", amount_fen=200_000, expected_version=1
    )
    plans.move_measure(p.engine, p.case_id, p.cadre, "I1", ItemStatus.IN_PROGRESS, on=TODAY, expected_version=2)
    plan = plans.move_measure(p.engine, p.case_id, p.cadre, "I1", ItemStatus.DELIVERED, expected_version=3)
    assert [v.version for v in plan.versions] == [1, 2, 3, 4]
    assert [v.by for v in plan.versions] == ["cadre", "town", "cadre", "cadre"]
    assert plan.versions[1].reason == "县里核定补助" and "金额：— → 2,000 元" in plan.versions[1].changes[0]
    assert plan.versions[0].items[0].amount_fen is None  # each version keeps the items as they stood
    assert plan.items[0].status is ItemStatus.DELIVERED and plan.items[0].start == TODAY
    with pytest.raises(DomainError) as stale:
        plans.change_measure(p.engine, p.case_id, p.cadre, "I1", reason="x", note="y", expected_version=2)
    assert stale.value.code == "PLAN_VERSION"
    with pytest.raises(DomainError) as back:
        plans.move_measure(p.engine, p.case_id, p.cadre, "I1", ItemStatus.PLANNED)
    assert back.value.code == "ITEM_STATUS"
    with pytest.raises(DomainError) as no_reason:
        plans.change_measure(p.engine, p.case_id, p.cadre, "I1", reason=" ", note="y")
    assert no_reason.value.code == "REASON_MISSING"


def test_the_view_recommends_only_eligible_measures_for_confirmed_risks_and_checks_the_floors(planned):
    p = planned
    view = plans.view_plan(p.engine, p.case_id, p.cadre)
    assert view.measures_allowed and view.plan is None
    assert [r.risk_code for r in view.recommendations] == ["07", "01"]
    for risk in view.recommendations:
        for option in risk.options:
            assert option.measure.addresses_risk(risk.risk_code)
            assert "不符合" not in option.reason
    credit = [o for r in view.recommendations for o in r.options if o.measure.measure_id == "MICRO_CREDIT"]
    assert p.adult in {o.person_id for o in credit} and p.child not in {o.person_id for o in credit}
    floor = {c.rule: c for c in view.checks}
    assert floor["DEVELOPMENT_FLOOR"].applies and not floor["DEVELOPMENT_FLOOR"].satisfied
    plans.add_measure(p.engine, p.case_id, p.cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    plans.move_measure(p.engine, p.case_id, p.cadre, "I1", ItemStatus.IN_PROGRESS)
    after = plans.view_plan(p.engine, p.case_id, p.cadre)
    assert {c.rule: c for c in after.checks}["DEVELOPMENT_FLOOR"].satisfied
    offered = {(o.measure.measure_id, o.person_id) for r in after.recommendations for o in r.options}
    assert ("INDUSTRY_SUPPORT", None) not in offered  # not offered twice for the same need


def test_an_effect_review_is_recorded_with_the_income_it_judged_by(planned):
    p = planned
    plans.add_measure(p.engine, p.case_id, p.cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    with pytest.raises(DomainError):
        plans.review_plan(p.engine, p.case_id, p.cadre, expected_version=0)
    plan = plans.review_plan(p.engine, p.case_id, p.cadre, note="季度回访")
    (review,) = plan.reviews
    assert (
        review.by == "cadre" and review.note == "季度回访" and review.verdict in ("met", "on_track", "slow", "unknown")
    )
    assert plan.versions[-1].reason == "季度回访"
    if review.per_capita_fen is not None:
        assert review.window and review.threshold_fen > 0


def test_the_next_review_falls_due_the_configured_months_after_the_last(planned):
    p = planned
    plans.add_measure(p.engine, p.case_id, p.cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    view = plans.view_plan(p.engine, p.case_id, p.cadre)
    months = view.context.policy.params["plan_review_months"]
    made = view.plan.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert view.review_due == plans.review_due(view.plan, months) and view.review_due > made
    assert (view.review_due.year * 12 + view.review_due.month) - (made.year * 12 + made.month) == months
    assert not view.review_overdue
    # a later day: the same view on the day after (the policy for that year may not be published yet)
    later = dataclasses.replace(
        view, context=dataclasses.replace(view.context, on=view.review_due + dt.timedelta(days=1))
    )
    assert later.review_overdue


def test_two_first_plans_of_one_case_race_and_the_second_is_a_stale_edit_not_an_error(planned):
    from jingzhun.adapters.db import plan_store
    from jingzhun.domain.plans import AssistancePlan

    p = planned
    plans.add_measure(p.engine, p.case_id, p.cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    other = AssistancePlan("P-other", p.case_id, p.household_id, dt.datetime.now(dt.UTC))
    with pytest.raises(DomainError) as raced, p.engine.begin() as conn:
        plan_store.save(conn, other, "532328101201", expected_version=None)
    assert raced.value.code == "PLAN_VERSION"
    assert plans.view_plan(p.engine, p.case_id, p.cadre).plan.plan_id != "P-other"
