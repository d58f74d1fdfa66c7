"""Household income over the current and the previous 12-month window, calibrated to NBS.

Why built from labour and then scaled: screening rules look for households whose income is
low *because* nobody can work, someone is seriously ill or a migrant lost the job, so income
must follow from the registry — wages from months of migrant work and labour capacity,
business income from able labourers farming at home, transfers from age, 脱贫户 status and
social assistance. Only at the end are wages and positive business incomes multiplied by one
factor so that the population-weighted mean per-capita net income hits the profile's target
(NBS 2024; see profiles.py) exactly; the factor stays near 1, so the calibration is by
construction, not by luck. Transfers and losses are not scaled: they are set by policy.

The previous window is the same household without this year's shocks (job losses, business
failures, disasters, new assistance), deflated by the profile's income growth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.synth import profiles as P
from jingzhun.synth.attributes import (
    L_ORDINARY,
    L_SKILLED,
    L_WEAK,
    S_COLLEGE,
    S_JUNIOR,
    S_PRESCHOOL,
    S_PRIMARY,
    S_SENIOR,
    S_VOCATIONAL,
    Traits,
)
from jingzhun.synth.population import Households, Members
from jingzhun.synth.profiles import Profile

# Self-paid school costs per student per year by schooling code (modelling choices: compulsory
# education is free of tuition; boarding, books and transport remain).
_SCHOOL_COST = np.zeros(8)
_SCHOOL_COST[[S_PRESCHOOL, S_PRIMARY, S_JUNIOR, S_SENIOR, S_VOCATIONAL, S_COLLEGE]] = [
    1_800.0,
    400.0,
    700.0,
    3_000.0,
    2_000.0,
    9_000.0,
]
_MONTHLY_WAGE = np.zeros(5)
_MONTHLY_WAGE[[L_SKILLED, L_ORDINARY, L_WEAK]] = [
    P.MONTHLY_WAGE["skilled"],
    P.MONTHLY_WAGE["ordinary"],
    P.MONTHLY_WAGE["weak"],
]
_HOME_WORK_FACTOR = np.zeros(5)
_HOME_WORK_FACTOR[[L_SKILLED, L_ORDINARY, L_WEAK]] = [1.2, 1.0, 0.5]


@dataclass(frozen=True, slots=True)
class Market:
    """Market income per household, current window and counterfactual previous window."""

    wage: np.ndarray
    wage_prev: np.ndarray
    business: np.ndarray  # negative where the business failed
    business_prev: np.ndarray
    property_income: np.ndarray
    property_income_prev: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return np.asarray(self.wage + self.business + self.property_income, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Income:
    """Final components per household (yuan, rounded to the fen) for both windows."""

    current: dict[str, np.ndarray]
    previous: dict[str, np.ndarray]
    scale: float  # calibration factor applied to wages and positive business income
    scale_previous: float


def market_income(
    rng: np.random.Generator,
    hh: Households,
    m: Members,
    t: Traits,
    work_months: np.ndarray,
    business_loss: np.ndarray,
    disaster_loss: np.ndarray,
) -> Market:
    n = len(hh)
    prod = hh.productivity[m.household]
    able = t.able & (m.age >= 16)
    rate = _MONTHLY_WAGE[t.labour] * rng.lognormal(-0.045, 0.3, len(m)) * prod**0.6
    local = able & (m.age <= 64) & (rng.random(len(m)) < 0.5)
    local_rate = P.LOCAL_WORK_PER_MONTH * rng.uniform(0.2, 1.0, len(m)) * prod * local

    # 脱贫户 with someone at home often hold a public-welfare job (乡村公益性岗位).
    at_home = np.bincount(m.household, weights=able & (m.age <= 64) & (t.work_months == 0), minlength=n)
    public_job = hh.alleviated & (at_home > 0) & (rng.random(n) < P.PUBLIC_JOB_SHARE)
    public_pay = public_job * rng.uniform(*P.PUBLIC_JOB_PAY, n)

    def wages(months: np.ndarray) -> np.ndarray:
        per_person = months * rate + (12 - months) * local_rate
        return np.bincount(m.household, weights=per_person, minlength=n) + public_pay

    def farming(months: np.ndarray) -> np.ndarray:
        home_years = np.where(able & (m.age <= 75), (12 - months) / 12.0, 0.0) * _HOME_WORK_FACTOR[t.labour]
        years = np.bincount(m.household, weights=home_years, minlength=n)
        return np.where(years > 0, (P.LAND_BASE + P.BUSINESS_PER_LABOUR_YEAR * years) * hh.productivity, 0.0)

    noise = rng.lognormal(-0.045, 0.3, n)
    business_now = np.maximum(farming(work_months) * noise - 0.3 * disaster_loss, 0.0)
    business_now = np.where(business_loss > 0, -business_loss, business_now)
    has_property = rng.random(n) < 0.6
    prop = has_property * rng.lognormal(np.log(P.PROPERTY_MEDIAN), 0.8, n) * hh.productivity
    labourers = np.bincount(m.household, weights=able, minlength=n)
    dividend = hh.alleviated & (labourers == 0)
    prop = prop + dividend * rng.uniform(*P.ASSET_DIVIDEND, n)
    drift = rng.lognormal(0.0, 0.08, (3, n))
    return Market(
        wage=wages(work_months),
        wage_prev=wages(t.work_months) * drift[0],
        business=business_now,
        business_prev=farming(t.work_months) * noise * drift[1],
        property_income=prop,
        property_income_prev=prop * drift[2],
    )


def base_transfers(rng: np.random.Generator, hh: Households, m: Members, t: Traits) -> np.ndarray:
    """Pensions, 脱贫户 subsidies, disability allowances, farm subsidies and family support."""
    n = len(hh)
    size = np.bincount(m.household, minlength=n)
    elders = np.bincount(m.household, weights=m.age >= 60, minlength=n)
    disabled = np.bincount(m.household, weights=t.disability_grade > 0, minlength=n)
    able = np.bincount(m.household, weights=t.able & (m.age >= 16), minlength=n)
    pension = P.PENSION_PER_ELDER * elders * rng.uniform(0.9, 1.3, n)
    subsidy = np.where(hh.alleviated, P.ALLEVIATED_SUBSIDY_PER_CAPITA * size, 0.0)
    # Children living elsewhere support parents who cannot earn; others get less, less often.
    dependent = (elders > 0) | (able == 0)
    p_support = np.where(dependent, 0.7, 0.4)
    median = np.where(dependent, P.REMITTANCE_MEDIAN, 0.5 * P.REMITTANCE_MEDIAN)
    support = (rng.random(n) < p_support) * rng.lognormal(np.log(median), 0.6)
    farm_subsidy = rng.uniform(300, 900, n)  # 耕地地力保护补贴 and similar
    other = P.OTHER_TRANSFER_PER_CAPITA * size * rng.uniform(0.5, 1.5, n)
    return pension + subsidy + P.DISABILITY_ALLOWANCE * disabled + support + farm_subsidy + other


def calibrate(
    wage: np.ndarray, business: np.ndarray, fixed: np.ndarray, members: int, target: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scale wages and positive business income so that total net income / members = target."""
    scalable = wage.sum() + np.where(business > 0, business, 0.0).sum()
    rest = fixed.sum() + np.where(business < 0, business, 0.0).sum()
    if scalable <= 0:  # a handful of households, none earning: nothing to scale
        return wage, business, 1.0
    scale = float((target * members - rest) / scalable)
    return wage * scale, np.where(business > 0, business * scale, business), scale


def finish_income(
    rng: np.random.Generator,
    hh: Households,
    m: Members,
    t: Traits,
    market: Market,
    transfers: tuple[np.ndarray, np.ndarray],
    medical: np.ndarray,
    profile: Profile,
) -> Income:
    """Calibrate both windows and add the self-paid medical and education costs."""
    n = len(hh)
    transfer_now, transfer_prev = transfers
    wage, business, scale = calibrate(
        market.wage, market.business, market.property_income + transfer_now, len(m), profile.income_target
    )
    target_prev = profile.income_target / profile.income_growth
    wage_prev, business_prev, scale_prev = calibrate(
        market.wage_prev,
        market.business_prev,
        market.property_income_prev + transfer_prev,
        len(m),
        target_prev,
    )
    school = _SCHOOL_COST[t.schooling] * rng.uniform(0.6, 1.4, len(m))
    education = np.bincount(m.household, weights=school, minlength=n)
    education = np.where(hh.alleviated, education * 0.5, education)  # 雨露计划 and student aid
    medical_prev = medical * rng.lognormal(-0.2, 0.6, n)

    def fen(values: np.ndarray) -> np.ndarray:
        return np.round(values + 0.0, 2)

    current = {
        "wage": fen(wage),
        "business_net": fen(business),
        "property": fen(market.property_income),
        "transfer": fen(transfer_now),
        "medical_self_paid": fen(medical),
        "education_self_paid": fen(education),
    }
    previous = {
        "wage": fen(wage_prev),
        "business_net": fen(business_prev),
        "property": fen(market.property_income_prev),
        "transfer": fen(transfer_prev),
        "medical_self_paid": fen(medical_prev),
        "education_self_paid": fen(education * rng.uniform(0.85, 1.05, n)),
    }
    return Income(current, previous, scale, scale_prev)
