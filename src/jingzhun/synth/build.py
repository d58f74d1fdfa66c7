"""``generate()``: the whole synthetic county (or province) in one deterministic call.

Why the steps run in this order: each consumes what the previous ones decided — places, then
households and people, then identities and attributes, then the year's shocks (which change
work months and business income), then income and assistance (which follow from labour and
shocks), and finally the tables. Every step draws from its own named stream of
``PCG64(seed)``, so the same arguments give the same bytes, and work is vectorised over all
households or members at once: loops run per county or per table, never per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from jingzhun.synth.assistance import Assistance, Needs, draw_assistance
from jingzhun.synth.attributes import H_SERIOUS, Traits, draw_traits
from jingzhun.synth.conditions import Conditions, draw_conditions
from jingzhun.synth.events import EventBatch, events_table
from jingzhun.synth.geography import build_geography
from jingzhun.synth.household_events import HouseholdShocks, draw_household_shocks
from jingzhun.synth.identity import draw_identity
from jingzhun.synth.income import Income, base_transfers, finish_income, market_income
from jingzhun.synth.noise import add_unknown_events
from jingzhun.synth.person_events import PersonShocks, draw_person_events
from jingzhun.synth.population import HEAD, Households, Members, draw_households, draw_members
from jingzhun.synth.profiles import Profile, get_profile
from jingzhun.synth.registry import (
    conditions_table,
    household_ids,
    households_table,
    income_table,
    members_table,
)
from jingzhun.synth.streams import stream
from jingzhun.synth.window import DEFAULT_AS_OF, Window

STEPS = ("区划", "农户与成员", "身份与属性", "部门事件", "收入与救助", "生成数据表")


@dataclass(frozen=True, slots=True)
class SynthResult:
    """The registry and feed tables, plus what produced them."""

    divisions: pl.DataFrame
    households: pl.DataFrame
    members: pl.DataFrame
    income: pl.DataFrame
    conditions: pl.DataFrame
    events: pl.DataFrame
    seed: int
    profile: str
    province: str
    as_of: dt.date
    period_end: str
    counties: tuple[str, ...]
    income_scale: float  # calibration factor on wages and business income (≈ 1 by design)

    def registry(self) -> dict[str, pl.DataFrame]:
        """Registry tables in import order (households before the tables that refer to them)."""
        return {
            "divisions": self.divisions,
            "households": self.households,
            "members": self.members,
            "income": self.income,
            "conditions": self.conditions,
        }


def generate(
    households: int,
    seed: int,
    profile: str = "alleviated",
    province: str = "53",
    as_of: dt.date = DEFAULT_AS_OF,
    *,
    noise: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SynthResult:
    """Generate ``households`` households deterministically from ``seed``.

    ``profile`` is ``"alleviated"`` (a former poverty county, the default) or ``"ordinary"``;
    ``province`` a 2-digit code; the income window ends the month before ``as_of``.
    ``noise`` appends a few events of an unknown type (see noise.py); ``progress`` is called
    with the name of each step as it starts.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    prof = get_profile(profile)
    window = Window.before(as_of)
    step = progress or (lambda _name: None)

    step(STEPS[0])
    geo = build_geography(province, households, seed)
    step(STEPS[1])
    hh = draw_households(stream(seed, "households"), geo.household_village, prof)
    base_members = draw_members(stream(seed, "members"), households)
    step(STEPS[2])
    ident = draw_identity(stream(seed, "identity"), geo, base_members, province, as_of)
    m = ident.members
    traits = draw_traits(stream(seed, "traits"), hh, m)

    step(STEPS[3])
    people, shocks, cond = _the_year(seed, geo.household_village, hh, m, traits, prof, window)
    step(STEPS[4])
    income, aid = _income(seed, hh, m, traits, people, shocks, prof, window)

    step(STEPS[5])
    hids = household_ids(geo)
    # The registry records the months actually worked, after this year's job losses.
    current_traits = replace(traits, work_months=people.work_months)
    batch = EventBatch.concat([people.events, shocks.events, cond.events, aid.events])
    events = events_table(batch, ident.person_ids, hids)
    if noise:
        events = add_unknown_events(stream(seed, "noise"), events, ident.person_ids, window)
    return SynthResult(
        divisions=geo.divisions,
        households=households_table(stream(seed, "contact"), geo, hh, hids),
        members=members_table(m, current_traits, ident.person_ids, hids, ident.names),
        income=income_table(income, window, hids),
        conditions=conditions_table(cond, hids),
        events=events,
        seed=seed,
        profile=prof.name,
        province=province,
        as_of=as_of,
        period_end=str(window.period_end),
        counties=tuple(c.code for c in geo.counties),
        income_scale=income.scale,
    )


def _the_year(
    seed: int,
    village: np.ndarray,
    hh: Households,
    m: Members,
    traits: Traits,
    prof: Profile,
    window: Window,
) -> tuple[PersonShocks, HouseholdShocks, Conditions]:
    """What happened in the window: person events, household shocks, housing and water."""
    people = draw_person_events(stream(seed, "person-events"), hh, m, traits, window)
    working = traits.able & (m.age >= 16) & (m.age <= 75)
    home_labour = np.bincount(m.household, weights=working, minlength=len(hh)) > 0
    shocks = draw_household_shocks(stream(seed, "household-events"), village, hh, home_labour, window)
    cond = draw_conditions(stream(seed, "conditions"), village, hh, shocks.disaster_loss, prof, window)
    return people, shocks, cond


def _income(
    seed: int,
    hh: Households,
    m: Members,
    traits: Traits,
    people: PersonShocks,
    shocks: HouseholdShocks,
    prof: Profile,
    window: Window,
) -> tuple[Income, Assistance]:
    """Market income, transfers and assistance, then calibration of both windows."""
    rng = stream(seed, "income")
    market = market_income(rng, hh, m, traits, people.work_months, shocks.business_loss, shocks.disaster_loss)
    base = base_transfers(rng, hh, m, traits)
    needs = _needs(m, traits, people.died, shocks.disaster_loss, market.total + base)
    aid = draw_assistance(stream(seed, "assistance"), needs, window)
    transfers = (base + aid.current, base * rng.uniform(0.9, 1.0, len(hh)) + aid.previous)
    income = finish_income(rng, hh, m, traits, market, transfers, people.medical_by_household, prof)
    return income, aid


def _needs(m: Members, traits: Traits, died: np.ndarray, disaster_loss: np.ndarray, income_before: np.ndarray) -> Needs:
    """What civil affairs knows about each household when it decides on assistance."""
    n = len(disaster_loss)
    heads = np.flatnonzero(m.relation == HEAD)
    able = np.bincount(m.household, weights=traits.able & (m.age >= 16), minlength=n)
    serious = np.bincount(m.household, weights=traits.health == H_SERIOUS, minlength=n)
    return Needs(
        size=np.bincount(m.household, minlength=n),
        head_member=heads,
        head_age=m.age[heads],
        head_died=died[heads],
        no_labour=able == 0,
        serious_illness=serious > 0,
        disaster_loss=disaster_loss,
        income_before=income_before,
    )
