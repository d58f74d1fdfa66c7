"""Household features the identification rules read, and their pure computation.

The catalogue (``FEATURES``) is the vocabulary of rule expressions in policy packs: a rule may
name a feature or a policy parameter, nothing else. ``household_features`` computes them for
one household from the registry and the department events — the reference the columnar
engine is tested against (parity), so every definition here is the definition.

Windows: income is read from the 12-month window ending the month before the assessment
(``income_window_end``) and the one 12 months earlier; events count when
``lookback_start < event_date <= as_of`` (start exclusive, the assessment day included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jingzhun.domain.deadlines import add_months
from jingzhun.domain.household import Household, YearMonth, income_window_end
from jingzhun.domain.money import per_capita_fen
from jingzhun.domain.vocab import EventType, Health, Schooling

Value = int | bool | None


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    kind: str  # "int" | "bool" | "fen"
    label: str  # Chinese, for reasons and evidence screens
    nullable: bool = False


FEATURES: tuple[Feature, ...] = (
    Feature("members", "int", "家庭人口数"),
    Feature("able_labourers", "int", "有劳动能力人数"),
    Feature("alleviated", "bool", "是否脱贫户"),
    Feature("net_income_fen", "fen", "家庭纯收入", nullable=True),
    Feature("per_capita_income_fen", "fen", "人均纯收入", nullable=True),
    Feature("prev_net_income_fen", "fen", "上一期家庭纯收入", nullable=True),
    Feature("prev_per_capita_income_fen", "fen", "上一期人均纯收入", nullable=True),
    Feature("medical_self_paid_fen", "fen", "合规自付医疗支出", nullable=True),
    Feature("education_self_paid_fen", "fen", "合规自付教育支出", nullable=True),
    Feature("max_person_medical_fen", "fen", "个人最高合规自付医疗费用（部门数据）"),
    Feature("medical_events_fen", "fen", "合规自付医疗费用合计（部门数据）"),
    Feature("dropouts", "int", "义务教育阶段失学辍学人数"),
    Feature("uninsured", "int", "未参加基本医保人数"),
    Feature("housing_unsafe", "bool", "住房不安全"),
    Feature("water_unsafe", "bool", "饮水不安全"),
    Feature("water_outage_days", "int", "最长饮水中断天数"),
    Feature("disaster_loss_fen", "fen", "灾害损失"),
    Feature("deaths", "int", "死亡人数"),
    Feature("labourer_deaths", "int", "有劳动能力成员死亡人数"),
    Feature("serious_illness", "int", "患大病人数"),
    Feature("chronic_illness", "int", "长期慢性病人数"),
    Feature("disabled", "int", "残疾人数"),
    Feature("new_disabilities", "int", "新认定残疾人数"),
    Feature("serious_injuries", "int", "重伤人数"),
    Feature("job_losses", "int", "失业人数"),
    Feature("business_failures", "int", "经营失败次数"),
    Feature("business_loss_fen", "fen", "经营损失"),
    Feature("dibao_enrolments", "int", "新纳入低保"),
    Feature("tekun_enrolments", "int", "新纳入特困"),
    Feature("temporary_assistance", "int", "临时救助次数"),
)
FEATURE_NAMES = frozenset(f.name for f in FEATURES)
COMPULSORY_AGES = (6, 15)  # 义务教育阶段: ages 6–15 inclusive on the assessment day


@dataclass(frozen=True, slots=True)
class DepartmentEvent:
    source: str
    event_id: str
    event_type: str
    event_date: dt.date
    person_id: str | None = None
    household_id: str | None = None
    amount_fen: int | None = None


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` minus whole months, the day clamped to the month's length (as SQL intervals do)."""
    return add_months(day, -months)


def in_lookback(event_date: dt.date, as_of: dt.date, months: int) -> bool:
    return months_before(as_of, months) < event_date <= as_of


def household_features(
    hh: Household, events: Iterable[DepartmentEvent], as_of: dt.date, *, lookback_months: int = 12
) -> dict[str, Value]:
    """All features of ``FEATURES`` for one household (events: those of its members or itself)."""
    window = income_window_end(as_of)
    cur = hh.income_for(window)
    prev = hh.income_for(window.shift(-12))
    n = hh.size
    person_ids = {m.person_id.value for m in hh.members}
    able = {m.person_id.value for m in hh.members if m.labor_capacity.is_able}
    relevant = [
        e
        for e in events
        if in_lookback(e.event_date, as_of, lookback_months)
        and (e.person_id in person_ids or (e.person_id is None and e.household_id == hh.household_id))
    ]

    def count(kind: EventType) -> int:
        return sum(1 for e in relevant if e.event_type == kind.value)

    def total(kind: EventType) -> int:
        return sum(e.amount_fen or 0 for e in relevant if e.event_type == kind.value)

    medical_by_person: dict[str, int] = {}
    for e in relevant:
        if e.event_type == EventType.MEDICAL_EXPENSE.value and e.person_id:
            medical_by_person[e.person_id] = medical_by_person.get(e.person_id, 0) + (e.amount_fen or 0)
    dropout_people = {
        m.person_id.value
        for m in hh.members
        if m.schooling is Schooling.DROPOUT and COMPULSORY_AGES[0] <= m.person_id.age_on(as_of) <= COMPULSORY_AGES[1]
    } | {e.person_id for e in relevant if e.event_type == EventType.DROPOUT.value and e.person_id}
    water_days = [e.amount_fen or 0 for e in relevant if e.event_type == EventType.WATER_OUTAGE.value]
    return {
        "members": n,
        "able_labourers": len(able),
        "alleviated": hh.alleviated,
        "net_income_fen": cur.net_income if cur else None,
        "per_capita_income_fen": per_capita_fen(cur.net_income, n) if cur and n else None,
        "prev_net_income_fen": prev.net_income if prev else None,
        "prev_per_capita_income_fen": per_capita_fen(prev.net_income, n) if prev and n else None,
        "medical_self_paid_fen": cur.medical_self_paid if cur else None,
        "education_self_paid_fen": cur.education_self_paid if cur else None,
        "max_person_medical_fen": max(medical_by_person.values(), default=0),
        "medical_events_fen": sum(medical_by_person.values()),
        "dropouts": len(dropout_people),
        "uninsured": sum(1 for m in hh.members if not m.medical_insured),
        "housing_unsafe": (not hh.conditions.housing_safe) or count(EventType.HOUSE_UNSAFE) > 0,
        "water_unsafe": not hh.conditions.water_safe,
        # water_outage amounts are days, carried in the amount column as whole units (×100 in fen)
        "water_outage_days": max(water_days, default=0) // 100,
        "disaster_loss_fen": total(EventType.DISASTER_LOSS),
        "deaths": count(EventType.DEATH),
        "labourer_deaths": len({e.person_id for e in relevant if e.event_type == EventType.DEATH.value} & able),
        "serious_illness": sum(1 for m in hh.members if m.health is Health.SERIOUS),
        "chronic_illness": sum(1 for m in hh.members if m.health is Health.CHRONIC),
        "disabled": sum(1 for m in hh.members if m.health is Health.DISABLED),
        "new_disabilities": count(EventType.DISABILITY_CERTIFIED),
        "serious_injuries": count(EventType.SERIOUS_INJURY),
        "job_losses": count(EventType.JOB_LOSS),
        "business_failures": count(EventType.BUSINESS_FAILURE),
        "business_loss_fen": total(EventType.BUSINESS_FAILURE),
        "dibao_enrolments": count(EventType.DIBAO_ENROLLED),
        "tekun_enrolments": count(EventType.TEKUN_ENROLLED),
        "temporary_assistance": count(EventType.TEMPORARY_ASSISTANCE),
    }


def window_of(as_of: dt.date) -> YearMonth:
    return income_window_end(as_of)
