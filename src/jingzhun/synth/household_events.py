"""Events that hit whole households: natural disasters and failed family businesses.

Why clustered and why before income: a flood or hailstorm strikes a village, not scattered
households, so disasters are drawn per village (one hazard, one date) and then per household
inside it. A business failure is what makes a household's business income negative; drawing
it first lets the income step write exactly that loss, so the ``business_failure`` event and
the negative ``business_net`` always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.domain.vocab import Department, EventType
from jingzhun.synth import profiles as P
from jingzhun.synth.events import EventBatch, detail
from jingzhun.synth.population import Households
from jingzhun.synth.window import Window

_HAZARDS = ("洪涝灾害损失", "干旱灾害损失", "地质灾害损失", "冰雹灾害损失")
_HAZARD_P = [0.4, 0.25, 0.2, 0.15]


@dataclass(frozen=True, slots=True)
class HouseholdShocks:
    events: EventBatch
    disaster_loss: np.ndarray  # float64 yuan, 0 when not hit
    business_loss: np.ndarray  # float64 yuan (positive), 0 when the business did not fail


def draw_household_shocks(
    rng: np.random.Generator,
    village: np.ndarray,
    hh: Households,
    has_home_labour: np.ndarray,
    window: Window,
) -> HouseholdShocks:
    disaster_batch, disaster_loss = _disasters(rng, village, window)
    failure_batch, business_loss = _business_failures(rng, hh, has_home_labour, window)
    return HouseholdShocks(EventBatch.concat([disaster_batch, failure_batch]), disaster_loss, business_loss)


def _disasters(rng: np.random.Generator, village: np.ndarray, window: Window) -> tuple[EventBatch, np.ndarray]:
    n_villages = int(village.max(initial=-1)) + 1
    hit_village = rng.random(n_villages) < P.DISASTER_VILLAGE_RATE
    hazard = rng.choice(len(_HAZARDS), size=n_villages, p=_HAZARD_P)
    when = window.random_dates(rng, n_villages)
    hit = hit_village[village] & (rng.random(len(village)) < P.DISASTER_HOUSEHOLD_RATE)
    who = np.flatnonzero(hit)
    loss = np.round(rng.lognormal(np.log(5_000.0), 0.9, len(who)), -1)
    losses = np.zeros(len(village))
    losses[who] = loss
    hazard_detail = np.array([detail(h) for h in _HAZARDS], dtype=np.int16)
    batch = EventBatch.of(
        EventType.DISASTER_LOSS,
        Department.EMERGENCY,
        household=who,
        date=when[village[who]],
        amount=loss,
        detail=hazard_detail[hazard[village[who]]],
    )
    return batch, losses


def _business_failures(
    rng: np.random.Generator, hh: Households, has_home_labour: np.ndarray, window: Window
) -> tuple[EventBatch, np.ndarray]:
    """Failed crops, livestock or shops: 脱贫户 industry projects fail somewhat more often."""
    p = np.where(hh.alleviated, P.BUSINESS_LOSS_SHARE * 1.3, P.BUSINESS_LOSS_SHARE)
    who = np.flatnonzero(has_home_labour & (rng.random(len(hh)) < p))
    loss = np.round(rng.lognormal(np.log(6_000.0), 0.8, len(who)), 2)
    losses = np.zeros(len(hh))
    losses[who] = loss
    batch = EventBatch.of(
        EventType.BUSINESS_FAILURE,
        Department.AGRICULTURE,
        household=who,
        date=window.random_dates(rng, len(who)),
        amount=loss,
        detail=detail("种养殖经营亏损"),
    )
    return batch, losses
