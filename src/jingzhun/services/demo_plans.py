"""A few households of the demo village with plans, so a newcomer's first look shows one (一户一策).

The demo's cases wait at the household visit. For a handful of them the village cadre takes the
green channel (assist first, identify later), records the visit with the screening's suggested
category and risks, and adds the best-ranked recommended measure — all through the same
services and guards a real cadre goes through, so the demo shows nothing the system would not do.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.plans import ItemStatus
from jingzhun.services import plans
from jingzhun.services.cases import act_on_case, view_case
from jingzhun.services.deadlines import list_cases


def start_demo_plans(engine: Engine, cadre: Actor, *, limit: int = 3) -> int:
    """Plans for up to ``limit`` of the cadre's cases at the visit with a suggested category; returns how many."""
    made = 0
    today = local_date(dt.datetime.now(dt.UTC))
    for row in list_cases(engine, cadre, today=today):
        if made >= limit:
            break
        case = view_case(engine, row.case_id, cadre).case
        if row.state != "verifying" or case.category is None or not case.risk_codes:
            continue
        act_on_case(engine, row.case_id, "green_channel", cadre, reason="演示：先帮后评")
        act_on_case(engine, row.case_id, "resume", cadre)
        act_on_case(
            engine, row.case_id, "submit_verification", cadre, evidence=["verification_form", "signed_consent"],
            category=case.category, risk_codes=list(case.risk_codes), reason="演示：入户核实确认",
        )  # fmt: skip
        view = plans.view_plan(engine, row.case_id, cadre)
        option = next((o for r in view.recommendations for o in r.options), None)
        if option is None:
            continue
        risk = next(r.risk_code for r in view.recommendations if option in r.options)
        try:
            plans.add_measure(
                engine, row.case_id, cadre, measure_id=option.measure.measure_id, person_id=option.person_id,
                risk_codes=[risk], reason="演示：按推荐制定帮扶措施",
            )  # fmt: skip
            plans.move_measure(engine, row.case_id, cadre, "I1", ItemStatus.IN_PROGRESS)
        except DomainError:
            continue
        made += 1
    return made
