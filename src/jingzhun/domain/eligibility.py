"""The eligibility facts of a household and its members on a day (``measures.FACTS``).

Computed from the registry (``Household``), its income window and its monitoring status, which
the caller knows from the cases and the assistance chain: whether the household was a
monitoring object on the day, whether it was marked eliminated, and whether it receives dibao
or tekun. One definition serves a plan recommendation, the plan checks and the chain's batch
omission check (whose columnar version is tested against this one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.household import Household, Member, YearMonth
from jingzhun.domain.ids import Sex
from jingzhun.domain.money import per_capita_fen
from jingzhun.domain.rules import Value
from jingzhun.domain.vocab import Health, LaborCapacity, Schooling


@dataclass(frozen=True, slots=True)
class MonitoringStatus:
    """What the cases and the chain say about a household on one day."""

    monitored: bool = False  # a monitoring object: identified (approved or green channel), not eliminated
    eliminated: bool = False  # marked 风险消除 on that day
    category: MonitoringCategory | None = None
    receives_dibao: bool = False
    receives_tekun: bool = False


def person_facts(m: Member, on: dt.date) -> dict[str, Value]:
    """A member's facts on ``on`` (age from the resident ID's birth date)."""
    return {
        "age": m.person_id.age_on(on),
        "is_female": m.person_id.sex is Sex.FEMALE,
        "able_to_work": m.labor_capacity.is_able,
        "lost_labour": m.labor_capacity in (LaborCapacity.LOST, LaborCapacity.NONE),
        "disability_grade": m.disability_grade or 0,
        "is_disabled": m.health is Health.DISABLED or m.disability_grade is not None,
        "has_serious_illness": m.health is Health.SERIOUS,
        "has_chronic_illness": m.health is Health.CHRONIC,
        "in_compulsory_school": m.schooling in (Schooling.PRIMARY, Schooling.JUNIOR),
        "in_senior_school": m.schooling is Schooling.SENIOR,
        "in_vocational_school": m.schooling is Schooling.VOCATIONAL,
        "in_college": m.schooling is Schooling.COLLEGE,
        "work_months": m.work_months,
    }


def household_facts(
    hh: Household,
    status: MonitoringStatus,
    *,
    window: YearMonth | None,
    housing_unsafe: bool | None = None,
    water_unsafe: bool | None = None,
) -> dict[str, Value]:
    """The household's facts; income from ``window`` (None or missing: the income facts are NULL).

    Housing and water are the registry's conditions unless the caller knows better (a
    department record of an unsafe house after the last assessment).
    """
    cur = hh.income_for(window) if window is not None else None
    n = hh.size
    return {
        "members": n,
        "able_labourers": hh.able_labourers,
        "no_labour_household": hh.has_no_labour_capacity,
        "alleviated": hh.alleviated,
        "monitored": status.monitored,
        "eliminated": status.eliminated,
        "sudden_hardship": status.category is MonitoringCategory.SUDDEN_HARDSHIP,
        "housing_unsafe": (not hh.conditions.housing_safe) if housing_unsafe is None else housing_unsafe,
        "water_unsafe": (not hh.conditions.water_safe) if water_unsafe is None else water_unsafe,
        "net_income_fen": cur.net_income if cur else None,
        "per_capita_income_fen": per_capita_fen(cur.net_income, n) if cur and n else None,
        "medical_self_paid_fen": cur.medical_self_paid if cur else None,
        "receives_dibao": status.receives_dibao,
        "receives_tekun": status.receives_tekun,
    }


def members_facts(hh: Household, on: dt.date) -> Mapping[str, dict[str, Value]]:
    """Person id → facts, for every member."""
    return {m.person_id.value: person_facts(m, on) for m in hh.members}
