"""Two households of the demo village carried to the exit, so a newcomer sees risk elimination and follow-ups.

Of the cadre's village, the first households without a case that the criteria would let out (with
a measure started: income at or above the line in both recorded windows, 三保障 and water secure,
nothing flagging, able to work) are identified by self-declaration in July 2026 through the whole
procedure and given a measure from the recommendation. The first is then taken through risk
elimination in November 2026 — proposal, visit, village review, the five-day notice, township and
county — and gets a helper (the demo cadre), so its follow-up visit falls due a quarter later; the
second stays in monitoring and is a candidate on the 风险消除 page. Everything goes through the
services and their guards; a second demo run on the same store adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.elimination import CaseFacts, assess_household
from jingzhun.domain.errors import DomainError
from jingzhun.domain.plans import ItemStatus
from jingzhun.policy import PolicyError, load_packs
from jingzhun.services import follow_ups, plans
from jingzhun.services.assessment import assessment_day, events_of, household_of
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.households import store_rows

LEAD_PREFIX = "DEMO-E-"
IDENTIFIED = dt.date(2026, 7, 1)
PROPOSED = dt.date(2026, 11, 3)  # the demo county's newest income window is 2026-10
HELPED = CaseFacts(risks_without_measure=0, measures_in_effect=1, months_since_identification=4)


def _at(day: dt.date, hour: int = 1) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def start_demo_elimination(engine: Engine, cadre: Actor, data: Actor, town: Actor, county: Actor) -> tuple[int, int]:
    """Carry up to two households of the cadre's village to the exit; returns (eliminated, left monitored)."""
    with engine.connect() as conn:
        lead = t.case_leads.c.lead_id
        done = conn.execute(select(lead).where(lead.startswith(LEAD_PREFIX))).first()
        if done is not None:
            return 0, 0
        h, c = t.households.c, t.cases.c
        busy = set(conn.execute(select(c.household_id).where(c.division_code == cadre.jurisdiction)).scalars())
        rows = conn.execute(select(t.households).where(h.division_code == cadre.jurisdiction).order_by(h.household_id))
        chosen = [r.household_id for r in rows if r.household_id not in busy and _would_exit(conn, r)][:2]
    eliminated = monitored = 0
    for household in chosen:
        case_id = _identify(engine, household, cadre, data, town, county)
        if case_id is None:
            continue
        if not eliminated and _eliminate(engine, case_id, cadre, town, county):
            follow_ups.assign_helper(engine, household, cadre, helper_name="村干部（演示）", unit="驻村工作队",
                                     helper_user_id=cadre.actor_id, on=IDENTIFIED)  # fmt: skip
            eliminated += 1
        else:
            monitored += 1
    return eliminated, monitored


def _would_exit(conn, row) -> bool:  # type: ignore[no-untyped-def]
    """Whether the household would meet every block criterion on the proposal day, given a started measure."""
    stored = store_rows(conn, row)
    hh = household_of(stored)
    if not hh.members:
        return False
    as_of, _ = assessment_day(hh, PROPOSED)
    try:
        policy = load_packs().resolve(row.division_code[:6].ljust(12, "0"), PROPOSED)
    except PolicyError:
        return False
    return assess_household(hh, events_of(stored.events), as_of, policy, HELPED).eligible


def _identify(engine: Engine, household: str, cadre: Actor, data: Actor, town: Actor, county: Actor) -> str | None:
    lead = Lead(f"{LEAD_PREFIX}{household}", household, Channel.SELF_DECLARATION, _at(IDENTIFIED), "演示：农户自主申报")
    case_id = receive_lead(engine, lead, cadre).case_id
    steps: list[tuple[str, Actor, dict[str, Any]]] = [
        ("accept", cadre, {}),
        ("submit_verification", cadre, {"evidence": ["verification_form", "signed_consent"],
                                        "category": MonitoringCategory.MARGINAL_AT_RISK, "risk_codes": ["07"]}),
        ("complete_comparison", data, {"evidence": ["asset_comparison"]}),
        ("pass_village_review", cadre, {"evidence": ["village_review_minutes"]}),
        ("close_publicity", cadre, {"evidence": ["publicity_record"]}),
        ("approve", town, {"evidence": ["township_review_opinion"]}),
        ("approve", county, {"evidence": ["county_approval_document"]}),
        ("register", cadre, {"evidence": ["announcement_record"]}),
    ]  # fmt: skip
    for (action, who, kw), day in zip(steps, (0, 1, 2, 3, 9, 10, 11, 12), strict=True):
        act_on_case(engine, case_id, action, who, at=_at(IDENTIFIED + dt.timedelta(days=day)), **kw)
    view = plans.view_plan(engine, case_id, cadre)
    options = [o for r in view.recommendations for o in r.options]
    for option in options:
        try:
            plans.add_measure(engine, case_id, cadre, measure_id=option.measure.measure_id, person_id=option.person_id,
                              risk_codes=["07"], reason="演示：按推荐制定帮扶措施")  # fmt: skip
        except DomainError:
            continue
        plans.move_measure(engine, case_id, cadre, "I1", ItemStatus.IN_PROGRESS)
        return case_id
    return None


def _eliminate(engine: Engine, case_id: str, cadre: Actor, town: Actor, county: Actor) -> bool:
    steps: list[tuple[str, Actor, dict[str, Any], int]] = [
        ("propose_elimination", cadre, {"reason": "演示：人均纯收入稳定高于监测标准，帮扶措施已落实"}, 0),
        ("submit_verification", cadre, {"evidence": ["elimination_verification_form"]}, 1),
        ("pass_village_review", cadre, {"evidence": ["village_review_minutes"]}, 2),
        ("close_publicity", cadre, {"evidence": ["publicity_record"]}, 8),
        ("approve", town, {"evidence": ["township_review_opinion"]}, 9),
        ("eliminate_by_assistance", county, {"evidence": ["county_approval_document"]}, 10),
    ]
    try:
        for action, who, kw, day in steps:
            act_on_case(engine, case_id, action, who, at=_at(PROPOSED + dt.timedelta(days=day)), **kw)
    except DomainError:
        return False  # the gate said no (the plan's measure is not what the criteria need): it stays monitored
    return True
