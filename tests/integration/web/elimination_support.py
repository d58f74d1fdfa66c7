"""Village-A cases in monitoring for the elimination pages: identified through the services, one household made stable.

``identify`` takes a village-A case through the whole identification procedure (dated from 19
days ago, so the notice runs its five days and the case ends in monitoring a week ago, too soon
after identification: the "不少于 2 个月" flag). ``make_stable`` rewrites one household's store rows
so that nothing but its case can keep it from exiting: every income window well above the line,
everyone healthy, able, insured and at school, safe housing and water, no department event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.plans import ItemStatus
from jingzhun.domain.workflow import Role
from jingzhun.policy import load_packs
from jingzhun.services import plans
from jingzhun.services.cases import act_on_case

from .conftest import County

THRESHOLD = load_packs().resolve("532328000000", dt.date(2026, 11, 1)).monitoring_threshold_fen


def identify(county: County, case_id: str, risk: str = "07") -> None:
    """Take a village-A case (in its lead state) through the identification procedure into monitoring."""
    village = county.village_a
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, village)
    data = Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000")
    town = Actor("town_a", Role.TOWNSHIP_REVIEWER, village[:9] + "000")
    approver = Actor("county", Role.COUNTY_APPROVER, village[:6] + "000000")
    steps: list[tuple[str, Actor, dict[str, Any]]] = [
        ("accept", cadre, {}),
        ("submit_verification", cadre, {"evidence": ["verification_form", "signed_consent"],
                                        "category": MonitoringCategory.UNSTABLE_ALLEVIATED, "risk_codes": [risk]}),
        ("complete_comparison", data, {"evidence": ["asset_comparison"]}),
        ("pass_village_review", cadre, {"evidence": ["village_review_minutes"]}),
        ("close_publicity", cadre, {"evidence": ["publicity_record"]}),
        ("approve", town, {"evidence": ["township_review_opinion"]}),
        ("approve", approver, {"evidence": ["county_approval_document"]}),
        ("register", cadre, {"evidence": ["announcement_record"]}),
    ]  # fmt: skip
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=19)
    for (action, who, kw), days in zip(steps, [0, 1, 2, 3, 9, 10, 11, 12], strict=True):
        act_on_case(county.engine, case_id, action, who, at=start + dt.timedelta(days=days), **kw)


def started_measure(county: County, case_id: str, risk: str = "07") -> None:
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, county.village_a)
    plans.add_measure(
        county.engine, case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=[risk], reason="发展种植"
    )
    plans.move_measure(county.engine, case_id, cadre, "I1", ItemStatus.IN_PROGRESS)


def make_stable(county: County, household: str) -> None:
    """Rewrite the household's rows in the store: nothing but its case keeps it from being a candidate."""
    m, i, c, e = t.members.c, t.income.c, t.conditions.c, t.events.c
    with county.engine.begin() as conn:
        size = conn.execute(select(func.count()).where(m.household_id == household)).scalar_one()
        people = select(m.person_id).where(m.household_id == household)
        conn.execute(delete(t.events).where((e.household_id == household) | e.person_id.in_(people)))
        conn.execute(
            update(t.members)
            .where(m.household_id == household)
            .values(health="healthy", disability_grade=None, labor_capacity="ordinary", medical_insured=True)
        )
        conn.execute(
            update(t.members).where(m.household_id == household, m.schooling == "dropout").values(schooling="none")
        )
        conn.execute(
            update(t.income)
            .where(i.household_id == household)
            .values(wage_fen=(THRESHOLD + 300_000) * size, business_net_fen=0, property_fen=0, transfer_fen=0,
                    medical_self_paid_fen=0, education_self_paid_fen=0)
        )  # fmt: skip
        if conn.execute(select(c.household_id).where(c.household_id == household)).first():
            conn.execute(
                update(t.conditions).where(c.household_id == household).values(housing_safe=True, water_safe=True)
            )
        else:
            conn.execute(t.conditions.insert().values(household_id=household, housing_safe=True, water_safe=True))
