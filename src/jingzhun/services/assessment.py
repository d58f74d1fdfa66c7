"""One household screened live: its per-capita net income against the threshold in force, and its warning.

The household page and the API show what the screening says about this one household on the
day. The answer comes from the pure domain code the batch engine is held to by the parity
tests (``domain.features.household_features`` then ``domain.screening.decide``); nothing here
evaluates a rule. The inputs are the store's current rows, read the way the engine reads them
(``adapters/engine/screen_features.py``): an unknown health counts as healthy, an unknown
labour capacity as not able to work, unknown insurance as insured, a missing amount as zero,
missing conditions as safe; a department event belongs to the household of the member it
names, or to the household it names when it names no person.

Counties import incomes month by month, some weeks after the month ends. When the window an
assessment today needs (the 12 months before this month) has not been imported yet but older
ones have, the household is assessed on the first day after its newest window — what the batch
screening of that day said — and the view names the missing window, rather than showing no
figure at all.

The policy is the one in force for the household's county on the day, from the shipped packs
(read once per process; ``PackSet`` caches each resolution). A place without a monitoring
threshold in force has no figure to compare against: that is said plainly, never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from jingzhun.domain.categories import MonitoringCategory, RiskType, risk_table
from jingzhun.domain.features import FEATURES, DepartmentEvent, Value, household_features
from jingzhun.domain.household import Conditions, Household, IncomeWindow, Member, YearMonth, income_window_end
from jingzhun.domain.ids import DivisionCode, ResidentId
from jingzhun.domain.money import per_capita_fen
from jingzhun.domain.policy import ResolvedPolicy
from jingzhun.domain.screening import Warning, decide
from jingzhun.domain.vocab import Health, LaborCapacity, Relation, Schooling
from jingzhun.policy import PackSet, PolicyError, load_packs
from jingzhun.policy.schema import PARAM_LABELS

NO_POLICY_CODES = frozenset({"POLICY_NO_THRESHOLD", "POLICY_NOT_FOUND"})
LABELS: Mapping[str, str] = {**PARAM_LABELS, **{f.name: f.label for f in FEATURES}}


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    policy_id: str
    version: str
    content_hash: str
    threshold_fen: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """One value a fired rule read or showed; ``*_fen`` names are amounts in fen."""

    name: str
    label: str
    value: Value

    @property
    def is_amount(self) -> bool:
        return self.name.endswith("_fen")


@dataclass(frozen=True, slots=True)
class LiveWarning:
    """``decide``'s warning, with the risk codes labelled from the policy's own risk table."""

    category: MonitoringCategory | None  # None: a basic-need problem whose category a visit decides
    risks: tuple[RiskType, ...]
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    as_of: dt.date
    window_end: YearMonth  # the 12-month income window ends with this month
    members: int
    net_income_fen: int | None  # None: no income recorded for the window
    per_capita_income_fen: int | None
    policy: PolicyInForce | None  # None: no monitoring threshold in force here on the day
    no_policy_reason: str | None
    below_threshold: bool | None  # None when there is no figure or no threshold to compare
    warning: LiveWarning | None
    missing_window: YearMonth | None = None  # the window today needs, not imported yet (``as_of`` moved back)

    @property
    def window_start(self) -> YearMonth:
        return self.window_end.shift(-11)


@dataclass(frozen=True, slots=True)
class StoreRows:
    """One household's rows as read from the store (the columns of ``adapters.db.tables``)."""

    household: Row[Any]
    members: tuple[Row[Any], ...]
    income: tuple[Row[Any], ...]
    conditions: Row[Any] | None
    events: tuple[Row[Any], ...]  # those naming the household or one of its members


def household_of(rows: StoreRows) -> Household:
    """The domain household, with defaults for unknown values as the engine has them."""
    h = rows.household
    members = [
        Member(
            person_id=ResidentId(r.person_id),
            name=r.name,
            relation=Relation(r.relation),
            health=Health(r.health) if r.health else Health.HEALTHY,
            disability_grade=r.disability_grade,
            labor_capacity=LaborCapacity(r.labor_capacity) if r.labor_capacity else LaborCapacity.NONE,
            schooling=Schooling(r.schooling) if r.schooling else Schooling.NONE,
            medical_insured=True if r.medical_insured is None else bool(r.medical_insured),
            work_months=r.work_months or 0,
        )
        for r in rows.members
    ]
    incomes = [
        IncomeWindow(
            YearMonth.parse(r.period_end),
            wage=r.wage_fen or 0,
            business_net=r.business_net_fen or 0,
            property_income=r.property_fen or 0,
            transfer=r.transfer_fen or 0,
            medical_self_paid=r.medical_self_paid_fen or 0,
            education_self_paid=r.education_self_paid_fen or 0,
        )
        for r in rows.income
    ]
    c = rows.conditions
    conditions = Conditions(bool(c.housing_safe), bool(c.water_safe), c.assessed_on) if c else Conditions()
    return Household(
        h.household_id, DivisionCode(h.division_code), bool(h.alleviated), h.alleviated_year, members, incomes,
        conditions,
    )  # fmt: skip


def events_of(rows: Iterable[Row[Any]]) -> list[DepartmentEvent]:
    """The rows as domain events; ``household_features`` keeps those of the household's members."""
    return [
        DepartmentEvent(r.source, r.event_id, r.event_type, r.event_date, r.person_id, r.household_id, r.amount_fen)
        for r in rows
    ]


def assessment_day(hh: Household, today: dt.date) -> tuple[dt.date, YearMonth | None]:
    """The day to assess on, and the window that day replaces: ``today``, or the day after the newest window.

    Only when today's window is missing and an older one exists does the day move back; a
    household with no income at all is assessed today (and shown without a figure).
    """
    return assessment_day_of([w.period_end for w in hh.incomes], today)


def assessment_day_of(windows: Collection[YearMonth], today: dt.date) -> tuple[dt.date, YearMonth | None]:
    """``assessment_day`` from the ends of a household's recorded windows alone (what a batch reads)."""
    window = income_window_end(today)
    older = [w for w in windows if w < window]
    if window in windows or not older:
        return today, None
    newest = max(older).shift(1)
    return dt.date(newest.year, newest.month, 1), window


def assess(rows: StoreRows, today: dt.date, packs: PackSet | None = None) -> Assessment:
    """The household's figures on ``assessment_day`` and, under the policy in force then, its warning (if any)."""
    hh = household_of(rows)
    on, missing = assessment_day(hh, today)
    window = income_window_end(on)
    current = hh.income_for(window)
    net = current.net_income if current else None
    try:
        # the engine resolves by county (the first six digits), so this does too
        policy = (packs or load_packs()).resolve(hh.division_code.value[:6].ljust(12, "0"), on)
    except PolicyError as e:
        if e.code not in NO_POLICY_CODES:
            raise
        per_capita = per_capita_fen(net, hh.size) if net is not None and hh.size else None
        return Assessment(on, window, hh.size, net, per_capita, None, e.message, None, None, missing)
    features = household_features(hh, events_of(rows.events), on, lookback_months=policy.event_lookback_months)
    threshold = policy.monitoring_threshold_fen
    # exact, as the income rule compares: the rounded per-capita figure could sit on the line
    below = None if net is None or not hh.size else net < threshold * hh.size
    warning = decide(hh.household_id, features, policy)
    return Assessment(
        as_of=on,
        window_end=window,
        members=hh.size,
        net_income_fen=net,
        per_capita_income_fen=_int(features["per_capita_income_fen"]),
        policy=PolicyInForce(policy.policy_id, policy.version, policy.content_hash, threshold),
        no_policy_reason=None,
        below_threshold=below,
        warning=_live(warning, policy) if warning else None,
        missing_window=missing,
    )


def _int(value: Value) -> int | None:
    return None if value is None else int(value)


def _live(warning: Warning, policy: ResolvedPolicy) -> LiveWarning:
    risks = risk_table(policy.risk_types)
    return LiveWarning(
        category=warning.category,
        risks=tuple(risks.get(c) or RiskType(c, c, c[:2]) for c in warning.risk_codes),
        rule_ids=warning.rule_ids,
        reasons=warning.reasons,
        evidence=tuple(Evidence(n, LABELS.get(n, n), v) for n, v in warning.evidence.items()),
    )
