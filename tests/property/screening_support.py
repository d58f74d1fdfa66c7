"""Test support for screening parity: the pure path over the same validated frames.

Builds domain ``Household`` objects and ``DepartmentEvent`` lists from the validated frames
the engine receives, then decides household by household with ``domain.screening.decide`` —
the slow, obviously-correct reference the columnar engine must match.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable

import polars as pl

from jingzhun.domain.features import DepartmentEvent, household_features
from jingzhun.domain.household import Conditions, Household, IncomeWindow, Member, YearMonth
from jingzhun.domain.ids import DivisionCode, ResidentId
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.domain.screening import decide
from jingzhun.domain.vocab import Health, LaborCapacity, Relation, Schooling


def households_from_frames(tables: dict[str, pl.DataFrame]) -> list[tuple[Household, list[DepartmentEvent]]]:
    members: dict[str, list[Member]] = defaultdict(list)
    for r in tables["members"].iter_rows(named=True):
        members[r["household_id"]].append(
            Member(
                person_id=ResidentId(r["person_id"]),
                name=r["name"],
                relation=Relation(r["relation"]),
                health=Health(r["health"]) if r["health"] else Health.HEALTHY,
                disability_grade=r["disability_grade"],
                # unknown labour capacity counts as not able, as in the engine
                labor_capacity=LaborCapacity(r["labor_capacity"]) if r["labor_capacity"] else LaborCapacity.NONE,
                schooling=Schooling(r["schooling"]) if r["schooling"] else Schooling.NONE,
                medical_insured=True if r["medical_insured"] is None else r["medical_insured"],
                work_months=r["work_months"] or 0,
            )
        )
    incomes: dict[str, list[IncomeWindow]] = defaultdict(list)
    for r in tables["income"].iter_rows(named=True):
        incomes[r["household_id"]].append(
            IncomeWindow(
                YearMonth.parse(r["period_end"]),
                wage=r["wage"] or 0,
                business_net=r["business_net"] or 0,
                property_income=r["property"] or 0,
                transfer=r["transfer"] or 0,
                medical_self_paid=r["medical_self_paid"] or 0,
                education_self_paid=r["education_self_paid"] or 0,
            )
        )
    conditions = {
        r["household_id"]: Conditions(r["housing_safe"], r["water_safe"], r["assessed_on"])
        for r in tables["conditions"].iter_rows(named=True)
    }
    person_home = {p.person_id.value: hid for hid, ms in members.items() for p in ms}
    events: dict[str, list[DepartmentEvent]] = defaultdict(list)
    for r in tables["events"].iter_rows(named=True):
        e = DepartmentEvent(
            r["source"], r["event_id"], r["event_type"], r["event_date"], r["person_id"], r["household_id"], r["amount"]
        )
        home = person_home.get(e.person_id) if e.person_id else e.household_id
        if home:
            events[home].append(e)
    out = []
    for r in tables["households"].iter_rows(named=True):
        hid = r["household_id"]
        hh = Household(
            hid,
            DivisionCode(r["division_code"]),
            r["alleviated"],
            r["alleviated_year"],
            members[hid],
            incomes[hid],
            conditions.get(hid, Conditions()),
        )
        out.append((hh, events[hid]))
    return out


def pure_screen(
    tables: dict[str, pl.DataFrame], as_of: dt.date, resolve: Callable[[str, dt.date], ResolvedPolicy]
) -> dict[str, dict[str, object]]:
    """household_id → the warning as the engine writes it (only flagged households)."""
    out: dict[str, dict[str, object]] = {}
    for hh, events in households_from_frames(tables):
        policy = resolve(hh.division_code.value[:6].ljust(12, "0"), as_of)
        feats = household_features(hh, events, as_of, lookback_months=policy.event_lookback_months)
        w = decide(hh.household_id, feats, policy)
        if w is None:
            continue
        out[hh.household_id] = {
            "category": w.category.value if w.category else None,
            "risk_codes": list(w.risk_codes),
            "rule_ids": list(w.rule_ids),
            "reasons": list(w.reasons),
            "evidence": w.evidence,
            "policy_id": policy.policy_id,
        }
    return out


def engine_rows(warnings: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {
        r["household_id"]: {
            "category": r["category"],
            "risk_codes": r["risk_codes"],
            "rule_ids": r["rule_ids"],
            "reasons": r["reasons"],
            "evidence": json.loads(r["evidence"]),
            "policy_id": r["policy_id"],
        }
        for r in warnings.iter_rows(named=True)
    }
