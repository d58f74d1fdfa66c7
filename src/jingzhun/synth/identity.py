"""Who each member is: name, birth date, birthplace and resident ID number.

Why here and not in population.py: identity follows Chinese registration practice rather than
household structure. Children and grandchildren carry the father's line surname, a spouse
keeps her (or his) own; the ID's address code is the county where the birth was registered —
the household's county for most, another real county of the province for about one spouse in
ten who married in. Birth dates are drawn so that the age on the as-of day is exact, and the
ages used by every later step are recomputed from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from jingzhun.reference.divisions import DivisionRef, counties_of_province
from jingzhun.synth import profiles as P
from jingzhun.synth.geography import Geography
from jingzhun.synth.ids import ages_on, birth_dates, resident_ids
from jingzhun.synth.names import person_names, surnames
from jingzhun.synth.population import CHILD, GRANDCHILD, HEAD, PARENT, SIBLING, SPOUSE, Members


@dataclass(frozen=True, slots=True)
class Identity:
    members: Members  # with ages recomputed from the birth dates
    person_ids: pl.Series
    names: pl.Series
    birth: np.ndarray  # datetime64[D]
    address_code: np.ndarray  # int64, 6 digits


def draw_identity(rng: np.random.Generator, geo: Geography, m: Members, province: str, as_of: dt.date) -> Identity:
    birth = birth_dates(rng, m.age, as_of)
    m = replace(m, age=ages_on(birth, as_of))
    address = _birth_counties(rng, geo, m, counties_of_province(province))
    return Identity(
        members=m,
        person_ids=resident_ids(address, birth, m.male),
        names=person_names(rng, _member_surnames(rng, m), m.male),
        birth=birth,
        address_code=address,
    )


def _birth_counties(
    rng: np.random.Generator, geo: Geography, m: Members, province_counties: tuple[DivisionRef, ...]
) -> np.ndarray:
    home = geo.household_county_code[m.household]
    codes = np.array([int(c.code) for c in province_counties], dtype=np.int64)
    elsewhere = (m.relation == SPOUSE) & (rng.random(len(m)) < P.SPOUSE_BORN_ELSEWHERE)
    other = codes[rng.integers(0, len(codes), len(m))]
    # Re-draw once where the "other" county happens to be the home county.
    again = codes[rng.integers(0, len(codes), len(m))]
    other = np.where(other == home, again, other)
    return np.where(elsewhere & (other != home), other, home)


def _member_surnames(rng: np.random.Generator, m: Members) -> np.ndarray:
    """Surname index per member following the paternal line through the head's household."""
    n_households = int(m.household.max(initial=-1)) + 1
    head_surname = surnames(rng, n_households)
    own = surnames(rng, len(m))
    is_head = m.relation == HEAD
    head_male = np.zeros(n_households, dtype=bool)
    head_male[m.household[is_head]] = m.male[is_head]
    spouse_surname = np.full(n_households, -1, dtype=np.int64)
    is_spouse = m.relation == SPOUSE
    spouse_surname[m.household[is_spouse]] = own[is_spouse]
    # Children take the father's surname: the head's, unless the head is a woman with a husband.
    family = np.where(head_male | (spouse_surname < 0), head_surname, spouse_surname)
    h = m.household
    picked = np.select(
        [
            is_head,
            is_spouse,
            (m.relation == CHILD) | (m.relation == GRANDCHILD),
            (m.relation == PARENT) & m.male,
            m.relation == SIBLING,
        ],
        [head_surname[h], own, family[h], head_surname[h], head_surname[h]],
        own,
    )
    return np.asarray(picked, dtype=np.int64)
