"""Housing and drinking-water safety, and the housing and water events that go with them.

Why together: 住建 reports an unsafe house and 水利 an interrupted supply; the registry's
``housing_safe`` and ``water_safe`` flags must say the same. So a ``house_unsafe`` event is
drawn for every household whose house is unsafe (and for no other), and a water outage longer
than a month (which makes drinking water unsafe under the 元谋 rule, policy-notes §2) happens
only to households with ``water_safe = false``; short outages of 3–30 days can hit anyone.
Unsafe houses are more common among 脱贫户 and poor households, and after a heavy disaster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.domain.vocab import Department, EventType
from jingzhun.synth import profiles as P
from jingzhun.synth.events import EventBatch, detail
from jingzhun.synth.population import Households
from jingzhun.synth.profiles import Profile
from jingzhun.synth.window import Window

_ASSESSMENT_SPAN_DAYS = 180  # the annual 集中排查 falls in the last half of the window


@dataclass(frozen=True, slots=True)
class Conditions:
    housing_safe: np.ndarray  # bool
    water_safe: np.ndarray  # bool
    assessed_on: np.ndarray  # datetime64[D]
    events: EventBatch


def draw_conditions(
    rng: np.random.Generator,
    village: np.ndarray,
    hh: Households,
    disaster_loss: np.ndarray,
    profile: Profile,
    window: Window,
) -> Conditions:
    n = len(hh)
    poor = hh.alleviated | (hh.productivity < 0.6)
    p_unsafe = np.where(poor, profile.housing_unsafe_poor, profile.housing_unsafe)
    p_unsafe = np.where(disaster_loss > 10_000, np.maximum(p_unsafe, 0.3), p_unsafe)
    housing_safe = rng.random(n) >= p_unsafe
    # Unsafe water is a village matter (an old scheme, a dry spring) more than a household one.
    n_villages = int(village.max(initial=-1)) + 1
    village_risk = rng.lognormal(0.0, 1.0, n_villages)
    p_water = np.clip(P.WATER_UNSAFE * village_risk[village] / np.exp(0.5), 0.0, 0.5)
    water_safe = rng.random(n) >= p_water

    last = np.datetime64(window.last_day, "D")
    assessed_on = last - rng.integers(0, _ASSESSMENT_SPAN_DAYS, n).astype("timedelta64[D]")
    events = EventBatch.concat(
        [
            _house_events(rng, housing_safe, assessed_on, window),
            _water_events(rng, water_safe, window),
        ]
    )
    return Conditions(housing_safe, water_safe, assessed_on, events)


def _house_events(
    rng: np.random.Generator, housing_safe: np.ndarray, assessed_on: np.ndarray, window: Window
) -> EventBatch:
    """The housing department's safety appraisal, shortly before the household assessment."""
    who = np.flatnonzero(~housing_safe)
    first = np.datetime64(window.first_day, "D")
    date = np.maximum(assessed_on[who] - rng.integers(0, 60, len(who)).astype("timedelta64[D]"), first)
    grade_d = rng.random(len(who)) < 0.35
    return EventBatch.of(
        EventType.HOUSE_UNSAFE,
        Department.HOUSING,
        household=who,
        date=date,
        detail=np.where(grade_d, detail("住房安全性鉴定为D级危房"), detail("住房安全性鉴定为C级")),
    )


def _water_events(rng: np.random.Generator, water_safe: np.ndarray, window: Window) -> EventBatch:
    """Outage days as the amount: >30 days only where water is unsafe, 3–30 elsewhere."""
    n = len(water_safe)
    long_outage = ~water_safe & (rng.random(n) < 0.7)
    short_outage = water_safe & (rng.random(n) < P.SHORT_OUTAGE_RATE)
    who = np.flatnonzero(long_outage | short_outage)
    days = np.where(long_outage[who], rng.integers(31, 61, len(who)), rng.integers(3, 31, len(who)))
    latest_start = max(window.days - 1, 1)
    return EventBatch.of(
        EventType.WATER_OUTAGE,
        Department.WATER,
        household=who,
        date=window.dates(rng.integers(0, latest_start, len(who))),
        amount=days.astype(np.float64),
        detail=detail("集中供水中断（天数）"),
    )
