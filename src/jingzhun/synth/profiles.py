"""Calibration targets and behavioural parameters of the synthetic population, in one place.

Why one module: every number that makes the synthetic county look like a real one (income
targets, shares, rates) is a claim about the world. Keeping them together, each with its
source or the reason it was chosen, lets a reviewer check them without reading the generator,
and lets tests assert against the same constants the generator uses.

Sources:
- National Bureau of Statistics (国家统计局), 2024 statistical communiqué: rural residents'
  per-capita disposable income 23,119 yuan, up 6.6% nominal on 2023.
- 脱贫县 (former poverty counties) rural per-capita disposable income 2024: 17,522 yuan
  (policy-notes §9, Hubei MARA page), up about 6.9%.
- Migrant workers' average monthly income 2024: 4,961 yuan (NBS 农民工监测调查报告 2024).
- Yunnan monitoring threshold 2024–25: 8,700 yuan per capita (policy-notes §1).
Parameters without a source are modelling choices, marked as such; [U] marks a figure from
memory that should be checked against the provincial notice before it is relied on.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Published anchors -------------------------------------------------------------------
NBS_RURAL_INCOME_2024 = 23_119.0  # yuan per capita per year, NBS 2024 communiqué
ALLEVIATED_COUNTY_INCOME_2024 = 17_522.0  # yuan, 脱贫县 rural per-capita income 2024 (§9)
YUNNAN_MONITORING_THRESHOLD = 8_700.0  # yuan per capita, Yunnan 2024–2025 (§1)
MIGRANT_MONTHLY_WAGE_2024 = 4_961.0  # yuan per month, NBS migrant worker survey 2024

# --- Geography (modelling choices close to NBS 统计用区划代码 practice) -------------------
HOUSEHOLDS_PER_COUNTY_MAX = 30_000  # one county per ≤30k households; 20k households = 1 county
TOWNSHIPS_PER_COUNTY = (8, 15)  # inclusive range
VILLAGES_PER_TOWNSHIP = (8, 20)  # inclusive range
ZHEN_SHARE = 0.6  # share of townships that are 镇 (code 1xx); the rest are 乡 (2xx)
DEMO_COUNTY = {"53": "532328"}  # 元谋县, a former national poverty county, is the Yunnan demo
SPOUSE_BORN_ELSEWHERE = 0.10  # spouses whose ID carries another county of the province

# --- Schooling, health, labour (modelling choices) ---------------------------------------
PRESCHOOL_ENROLMENT = 0.90  # ages 3–5; national gross enrolment ~91% (2024)
DROPOUT_SHARE = 0.003  # of compulsory-age (6–15) children, as asked by the design issue
MEDICAL_INSURED = 0.97  # ~97% of rural residents in basic medical insurance
MEDICAL_INSURED_ALLEVIATED = 0.995  # 脱贫人口 premiums are subsidised: near-full coverage
ILLNESS_MULTIPLIER_ALLEVIATED = 1.5  # 因病致贫 was the leading cause of poverty

# --- Wages and income components (yuan; modelling choices around NBS anchors) -----------
# Monthly wage by labour capacity, around the NBS migrant average (before each household's
# earning power and the final calibration factor, which stays near 1).
MONTHLY_WAGE = {
    "skilled": 1.17 * MIGRANT_MONTHLY_WAGE_2024,
    "ordinary": 0.87 * MIGRANT_MONTHLY_WAGE_2024,
    "weak": 0.54 * MIGRANT_MONTHLY_WAGE_2024,
}
LOCAL_WORK_PER_MONTH = 1_500.0  # yuan per idle month of local casual work
BUSINESS_PER_LABOUR_YEAR = 17_000.0  # farming/livestock/small trade per able labour-year at home
LAND_BASE = 2_500.0  # per-household base farm income
PUBLIC_JOB_SHARE = 0.5  # 脱贫户 with a labourer at home holding a 乡村公益性岗位 (policy-notes §8)
PUBLIC_JOB_PAY = (6_000.0, 9_600.0)  # yuan per year, 500–800 a month (local practice, [U])
BUSINESS_LOSS_SHARE = 0.03  # households whose business made a net loss
PENSION_PER_ELDER = 2_400.0  # 城乡居民基础养老金, ~200 yuan/month in Yunnan [U]
ALLEVIATED_SUBSIDY_PER_CAPITA = 900.0  # industry, ecological and other policy transfers
OTHER_TRANSFER_PER_CAPITA = 1_000.0  # reimbursed medical costs, eco-compensation, etc. (NBS counts
# them as transfer income, which is ~21% of rural income nationally)
DISABILITY_ALLOWANCE = 1_200.0  # 残疾人两项补贴, per disabled person
DIBAO_STANDARD = 5_760.0  # rural dibao standard, yuan per capita per year (480/month) [U]
TEKUN_SUPPORT = 9_000.0  # 特困 basic living support, per person per year
REMITTANCE_MEDIAN = 5_000.0  # family support from relatives living elsewhere, per household
PROPERTY_MEDIAN = 1_200.0  # rent, dividends of village collectives, interest, per household
ASSET_DIVIDEND = (1_000.0, 3_000.0)  # 资产收益扶贫 (e.g. photovoltaic) paid to 脱贫户 without labour

# --- Feeds (modelling choices; ~1 event per household per year overall) -----------------
JOB_LOSS_RATE = 0.05  # of people with migrant work in the window
SERIOUS_INJURY_RATE = 0.003  # of people aged 16–70
DISABILITY_CERTIFIED_RATE = 0.10  # of disabled members, newly certified in the window
DISASTER_VILLAGE_RATE = 0.04  # villages hit by a disaster in the window
DISASTER_HOUSEHOLD_RATE = 0.35  # households of a hit village that report a loss
WATER_UNSAFE = 0.02  # households without safe drinking water
SHORT_OUTAGE_RATE = 0.015  # safe households with a 3–30 day outage in the window


@dataclass(frozen=True, slots=True)
class Profile:
    """What distinguishes a former poverty county from an ordinary rural county."""

    name: str
    income_target: float  # population-weighted mean per-capita net income, current window
    income_growth: float  # current window / previous window
    earning_level: float  # county-wide earning power relative to the national rural average
    alleviated_share: float  # share of households that are 脱贫户
    alleviated_productivity: float  # relative earning power of 脱贫户
    productivity_sigma: float  # dispersion (log sd) of household earning power
    alleviated_sigma: float  # narrower for 脱贫户: targeted support lifts the weakest
    housing_unsafe: float  # share of ordinary households with unsafe housing
    housing_unsafe_poor: float  # share among alleviated or low-income households


ALLEVIATED = Profile(
    name="alleviated",
    income_target=ALLEVIATED_COUNTY_INCOME_2024,
    income_growth=1.069,
    earning_level=0.66,
    alleviated_share=0.30,
    alleviated_productivity=0.92,
    productivity_sigma=0.30,
    alleviated_sigma=0.15,
    housing_unsafe=0.012,
    housing_unsafe_poor=0.03,
)

ORDINARY = Profile(
    name="ordinary",
    income_target=NBS_RURAL_INCOME_2024,
    income_growth=1.066,
    earning_level=1.0,
    alleviated_share=0.05,
    alleviated_productivity=0.85,
    productivity_sigma=0.38,
    alleviated_sigma=0.25,
    housing_unsafe=0.01,
    housing_unsafe_poor=0.03,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (ALLEVIATED, ORDINARY)}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a clear error lists the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
