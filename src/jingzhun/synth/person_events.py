"""Events that happen to people: medical bills, job losses, deaths, injuries, disability, dropout.

Why drawn from the registry rather than independently: department feeds are useful only if
they agree with what the registry says about the person. Medical bills come more often and
larger with chronic and serious illness (with a heavy tail: a few bills above 50,000 yuan);
job losses hit only people who did migrant work, and shorten their work months; deaths rise
with age; dropout events are exactly the members recorded as dropouts. The household's
``medical_self_paid`` is the sum of its medical bills, so income and feeds tell one story.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from jingzhun.domain.vocab import Department, EventType
from jingzhun.synth import profiles as P
from jingzhun.synth.attributes import H_CHRONIC, H_DISABLED, H_SERIOUS, S_DROPOUT, Traits
from jingzhun.synth.events import EventBatch, detail, source
from jingzhun.synth.population import Households, Members
from jingzhun.synth.window import Window

# Medical bills per person per year and their median self-paid amount, by health code
# (healthy, chronic, serious, disabled); modelling choices.
_BILLS_PER_YEAR = np.array([0.10, 1.3, 2.0, 0.5])
_BILL_MEDIAN = np.array([450.0, 1_300.0, 4_000.0, 900.0])
_BILL_SIGMA = np.array([0.9, 0.9, 1.0, 0.9])
_CATASTROPHIC_SHARE = 0.06  # of serious-illness bills: a Pareto tail starting at 30,000 yuan
_UNINSURED_FACTOR = 2.5  # no reimbursement at all
_ALLEVIATED_FACTOR = 0.6  # 三重保障 caps the self-paid share of 脱贫人口
_MORTALITY_KNOTS = [0, 40, 60, 70, 80, 90]
_MORTALITY = [0.0005, 0.002, 0.008, 0.02, 0.06, 0.15]


@dataclass(frozen=True, slots=True)
class PersonShocks:
    events: EventBatch
    work_months: np.ndarray  # int8 months of migrant work actually done in the window
    medical_by_household: np.ndarray  # float64 yuan, sum of medical bills
    died: np.ndarray  # bool per member: died during the window


def draw_person_events(rng: np.random.Generator, hh: Households, m: Members, t: Traits, window: Window) -> PersonShocks:
    """All person-level events; nobody has an event dated after their own death."""
    deaths = _deaths(rng, m, t, window)
    died_on = np.full(len(m), np.datetime64("9999-12-31"), dtype="datetime64[D]")
    died_on[deaths.person] = deaths.date
    medical, medical_sum = _medical(rng, hh, m, t, window)
    alive = _survivors(len(m), deaths)
    job, months = _job_loss(rng, m, t, window, alive=alive)
    later = [medical, _injuries(rng, m, window), _disability(rng, m, t, window), _dropouts(rng, m, t, window)]
    batches = [deaths, job, *(_no_later_than(b, died_on) for b in later)]
    return PersonShocks(EventBatch.concat(batches), months, medical_sum, ~alive)


def _survivors(n: int, deaths: EventBatch) -> np.ndarray:
    """True for members who do not die in the window."""
    alive = np.ones(n, dtype=bool)
    alive[deaths.person] = False
    return alive


def _no_later_than(batch: EventBatch, died_on: np.ndarray) -> EventBatch:
    """Move a person's events that would fall after their death to the day of death."""
    return replace(batch, date=np.minimum(batch.date, died_on[batch.person]))


def _medical(
    rng: np.random.Generator, hh: Households, m: Members, t: Traits, window: Window
) -> tuple[EventBatch, np.ndarray]:
    counts = rng.poisson(_BILLS_PER_YEAR[t.health])
    person = np.repeat(np.arange(len(m)), counts)
    health = t.health[person]
    amount = rng.lognormal(np.log(_BILL_MEDIAN[health]), _BILL_SIGMA[health])
    tail = (health == H_SERIOUS) & (rng.random(len(person)) < _CATASTROPHIC_SHARE)
    amount = np.where(tail, np.minimum(30_000.0 * (1.0 + rng.pareto(1.6, len(person))), 400_000.0), amount)
    amount = np.where(t.insured[person], amount, amount * _UNINSURED_FACTOR)
    household = m.household[person]
    amount = np.where(hh.alleviated[household] & ~tail, amount * _ALLEVIATED_FACTOR, amount)
    amount = np.round(np.maximum(amount, 20.0), 2)
    inpatient = rng.random(len(person)) < np.select(
        [health == H_SERIOUS, health == H_CHRONIC, health == H_DISABLED], [1.0, 0.4, 0.3], 0.2
    )
    outpatient = np.where(health == H_CHRONIC, detail("门诊慢特病合规自付费用"), detail("门诊合规自付费用"))
    kind = np.where(inpatient, detail("住院合规自付费用"), outpatient)
    batch = EventBatch.of(
        EventType.MEDICAL_EXPENSE,
        Department.MEDICAL_INSURANCE,
        household=household,
        person=person,
        date=window.random_dates(rng, len(person)),
        amount=amount,
        detail=kind,
    )
    return batch, np.bincount(household, weights=amount, minlength=len(hh))


def _job_loss(
    rng: np.random.Generator, m: Members, t: Traits, window: Window, alive: np.ndarray
) -> tuple[EventBatch, np.ndarray]:
    """A migrant who loses the job keeps the months worked before it (at least one)."""
    lost = alive & (t.work_months > 0) & (rng.random(len(m)) < P.JOB_LOSS_RATE)
    who = np.flatnonzero(lost)
    offset = rng.integers(31, window.days, size=len(who))
    worked = np.clip(offset // 31, 1, t.work_months[who])
    months = t.work_months.copy()
    months[who] = worked
    batch = EventBatch.of(
        EventType.JOB_LOSS,
        Department.HUMAN_RESOURCES,
        household=m.household[who],
        person=who,
        date=window.dates(offset),
        detail=detail("务工失业返乡"),
    )
    return batch, months


def _deaths(rng: np.random.Generator, m: Members, t: Traits, window: Window) -> EventBatch:
    p = np.interp(m.age.astype(np.float64), _MORTALITY_KNOTS, _MORTALITY)
    p = np.where(t.health == H_SERIOUS, np.minimum(p * 3.0, 0.5), p)
    who = np.flatnonzero(rng.random(len(m)) < p)
    return EventBatch.of(
        EventType.DEATH,
        Department.PUBLIC_SECURITY,
        household=m.household[who],
        person=who,
        date=window.random_dates(rng, len(who)),
        detail=detail("户籍注销（死亡）"),
    )


def _injuries(rng: np.random.Generator, m: Members, window: Window) -> EventBatch:
    """Traffic injuries reach us from 公安, other accidents from the hospitals via 卫健."""
    at_risk = (m.age >= 16) & (m.age <= 70)
    who = np.flatnonzero(at_risk & (rng.random(len(m)) < P.SERIOUS_INJURY_RATE))
    traffic = rng.random(len(who)) < 0.6
    src = np.where(traffic, source(Department.PUBLIC_SECURITY), source(Department.HEALTH))
    return EventBatch.of(
        EventType.SERIOUS_INJURY,
        src,
        household=m.household[who],
        person=who,
        date=window.random_dates(rng, len(who)),
        detail=np.where(traffic, detail("交通事故致重伤"), detail("意外伤害致重伤住院")),
    )


def _disability(rng: np.random.Generator, m: Members, t: Traits, window: Window) -> EventBatch:
    new = (t.health == H_DISABLED) & (rng.random(len(m)) < P.DISABILITY_CERTIFIED_RATE)
    who = np.flatnonzero(new)
    return EventBatch.of(
        EventType.DISABILITY_CERTIFIED,
        Department.DISABILITY,
        household=m.household[who],
        person=who,
        date=window.random_dates(rng, len(who)),
        detail=detail("新认定一级残疾") + t.disability_grade[who].astype(np.int16) - 1,
    )


def _dropouts(rng: np.random.Generator, m: Members, t: Traits, window: Window) -> EventBatch:
    who = np.flatnonzero(t.schooling == S_DROPOUT)
    return EventBatch.of(
        EventType.DROPOUT,
        Department.EDUCATION,
        household=m.household[who],
        person=who,
        date=window.random_dates(rng, len(who)),
        detail=detail("义务教育阶段适龄儿童少年失学辍学"),
    )
