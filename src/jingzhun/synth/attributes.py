"""Member attributes: health, disability, schooling, labour capacity, insurance, migrant work.

Why they are drawn in this order: each depends on the previous ones the way it does in life.
Illness and disability rise with age (and are more common in former poor households, where
因病致贫 was the leading cause); schooling follows age; labour capacity follows age, schooling
and health (a student or a seriously ill person is not counted as labour); only able
labourers of working age do migrant work, and a serious illness at home keeps carers nearby.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.domain.vocab import Health, LaborCapacity, Schooling
from jingzhun.synth import profiles as P
from jingzhun.synth.population import Households, Members

HEALTHS: tuple[Health, ...] = tuple(Health)
LABOURS: tuple[LaborCapacity, ...] = tuple(LaborCapacity)
SCHOOLINGS: tuple[Schooling, ...] = tuple(Schooling)
H_HEALTHY, H_CHRONIC, H_SERIOUS, H_DISABLED = range(4)
L_SKILLED, L_ORDINARY, L_WEAK, L_LOST, L_NONE = range(5)
S_NONE, S_PRESCHOOL, S_PRIMARY, S_JUNIOR, S_SENIOR, S_VOCATIONAL, S_COLLEGE, S_DROPOUT = range(8)
ABLE = (L_SKILLED, L_ORDINARY, L_WEAK)
STUDYING = (S_PRESCHOOL, S_PRIMARY, S_JUNIOR, S_SENIOR, S_VOCATIONAL, S_COLLEGE)

# Annual prevalence by age (knots, then values), modelling choices in line with China's
# chronic-disease and disability surveys: both rise steeply after 50.
_AGE_KNOTS = [0, 18, 45, 60, 70, 85]
_P_CHRONIC = [0.01, 0.02, 0.07, 0.16, 0.24, 0.30]
_P_SERIOUS = [0.002, 0.004, 0.012, 0.022, 0.03, 0.035]
_P_DISABLED = [0.008, 0.015, 0.03, 0.05, 0.07, 0.10]
_GRADE_P = [0.12, 0.23, 0.30, 0.35]  # grade 1 (most severe) … grade 4


@dataclass(frozen=True, slots=True)
class Traits:
    """Per-member attribute codes (indices into the vocab tuples above)."""

    health: np.ndarray  # int8
    disability_grade: np.ndarray  # int8, 0 = none
    schooling: np.ndarray  # int8
    labour: np.ndarray  # int8
    insured: np.ndarray  # bool
    work_months: np.ndarray  # int8, months of migrant work planned for the window

    @property
    def able(self) -> np.ndarray:
        return np.isin(self.labour, ABLE)


def draw_traits(rng: np.random.Generator, hh: Households, m: Members) -> Traits:
    """All member attributes, vectorised over members."""
    alleviated = hh.alleviated[m.household]
    health, grade = _health(rng, m.age, alleviated)
    schooling = _schooling(rng, m.age)
    labour = _labour(rng, m.age, health, grade, schooling)
    p_insured = np.where(alleviated, P.MEDICAL_INSURED_ALLEVIATED, P.MEDICAL_INSURED)
    insured = rng.random(len(m)) < p_insured
    serious_at_home = np.bincount(m.household, weights=health == H_SERIOUS, minlength=len(hh)) > 0
    months = _work_months(rng, m.age, labour, serious_at_home[m.household])
    return Traits(health, grade, schooling, labour, insured, months)


def _health(rng: np.random.Generator, age: np.ndarray, alleviated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = age.astype(np.float64)
    mult = np.where(alleviated, P.ILLNESS_MULTIPLIER_ALLEVIATED, 1.0)
    pd = np.interp(a, _AGE_KNOTS, _P_DISABLED) * mult
    ps = np.interp(a, _AGE_KNOTS, _P_SERIOUS) * mult
    pc = np.interp(a, _AGE_KNOTS, _P_CHRONIC) * mult
    u = rng.random(len(age))
    health = np.select([u < pd, u < pd + ps, u < pd + ps + pc], [H_DISABLED, H_SERIOUS, H_CHRONIC], H_HEALTHY)
    grades = rng.choice(np.arange(1, 5), size=len(age), p=_GRADE_P)
    grade = np.where(health == H_DISABLED, grades, 0)
    return health.astype(np.int8), grade.astype(np.int8)


def _schooling(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """School status in November (the school year starts in September)."""
    u = rng.random(len(age))
    a = age
    upper = np.select([u < 0.55, u < 0.93], [S_SENIOR, S_VOCATIONAL], S_NONE)  # ages 16–18
    at15 = np.select([u < 0.3, u < 0.65], [S_JUNIOR, S_SENIOR], S_VOCATIONAL)
    tertiary = np.select([u < 0.45, u < 0.57], [S_COLLEGE, S_VOCATIONAL], S_NONE)  # ages 19–22
    school = np.select(
        [
            (a >= 3) & (a <= 5),
            (a >= 6) & (a <= 11),
            (a >= 12) & (a <= 14),
            a == 15,
            (a >= 16) & (a <= 18),
            (a >= 19) & (a <= 22),
        ],
        [
            np.where(u < P.PRESCHOOL_ENROLMENT, S_PRESCHOOL, S_NONE),
            S_PRIMARY,
            S_JUNIOR,
            at15,
            upper,
            tertiary,
        ],
        S_NONE,
    )
    compulsory = (a >= 6) & (a <= 15)
    dropout = compulsory & (rng.random(len(age)) < P.DROPOUT_SHARE)
    return np.where(dropout, S_DROPOUT, school).astype(np.int8)


def _labour(
    rng: np.random.Generator, age: np.ndarray, health: np.ndarray, grade: np.ndarray, schooling: np.ndarray
) -> np.ndarray:
    u = rng.random(len(age))
    working_age = np.select([u < 0.16, u < 0.86], [L_SKILLED, L_ORDINARY], L_WEAK)
    chronic = np.where(u < 0.5, L_ORDINARY, L_WEAK)
    sixties = np.select([u < 0.35, u < 0.85], [L_ORDINARY, L_WEAK], L_NONE)
    old = np.where(u < 0.15, L_WEAK, L_NONE)
    base = np.select(
        [age < 16, age >= 70, age >= 60, health == H_CHRONIC],
        [L_NONE, old, sixties, chronic],
        working_age,
    )
    studying = np.isin(schooling, STUDYING)
    severe = (health == H_SERIOUS) | ((health == H_DISABLED) & (grade <= 2))
    mild_disabled = (health == H_DISABLED) & (grade >= 3) & (base != L_NONE)
    labour = np.select(
        [age < 16, studying, severe, mild_disabled],
        [L_NONE, L_NONE, L_LOST, np.where(u < 0.7, L_WEAK, L_LOST)],
        base,
    )
    return labour.astype(np.int8)


def _work_months(
    rng: np.random.Generator, age: np.ndarray, labour: np.ndarray, serious_at_home: np.ndarray
) -> np.ndarray:
    """Months of migrant work: able labourers aged 16–64 only; most migrants work 9–12 months."""
    p = np.select([labour == L_SKILLED, labour == L_ORDINARY, labour == L_WEAK], [0.75, 0.6, 0.2], 0.0)
    p = np.where((age >= 16) & (age <= 64), p, 0.0)
    p = np.where(age >= 55, p * 0.5, p)
    p = np.where(serious_at_home, p * 0.6, p)
    migrant = rng.random(len(age)) < p
    months = 12 - np.minimum(rng.binomial(11, 0.22, len(age)), 11)
    return np.where(migrant, months, 0).astype(np.int8)
