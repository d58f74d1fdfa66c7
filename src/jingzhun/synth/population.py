"""Households and their members: who lives together, of what age and sex.

Why it is built this way: a registered rural household (户籍户) typically holds a head, often a
spouse, children (adult children working away stay registered, which is why they count in
per-capita income), sometimes the head's elderly parents and left-behind grandchildren. Each
relation type is drawn as a count per household, expanded to member rows with ``np.repeat``
and given an age consistent with the head's (a child is 19–38 years younger, a parent 20–35
years older), so no Python loop runs per household or per person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.domain.vocab import Relation
from jingzhun.synth.arrays import rank_within
from jingzhun.synth.profiles import Profile

RELATIONS: tuple[Relation, ...] = tuple(Relation)
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, SIBLING, OTHER = range(len(RELATIONS))
MAX_SIZE = 8
MAX_AGE = 98


@dataclass(frozen=True, slots=True)
class Households:
    """Per-household arrays (index = household number)."""

    alleviated: np.ndarray  # bool
    alleviated_year: np.ndarray  # int16, 0 when not alleviated
    productivity: np.ndarray  # float64, relative earning power (mean ≈ 1)

    def __len__(self) -> int:
        return len(self.alleviated)


@dataclass(frozen=True, slots=True)
class Members:
    """Per-member arrays, sorted by household then relation (the head first)."""

    household: np.ndarray  # int32 household index
    relation: np.ndarray  # int8 index into RELATIONS
    age: np.ndarray  # int16 whole years on the as-of day
    male: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.household)


def draw_households(rng: np.random.Generator, village: np.ndarray, profile: Profile) -> Households:
    """Alleviated flag (clustered by village), alleviated year and earning power."""
    n = len(village)
    n_villages = int(village.max(initial=-1)) + 1
    # Poverty clustered in some villages: a village factor scales the share.
    village_factor = rng.lognormal(0.0, 0.4, size=n_villages)
    village_factor /= village_factor.mean() if n_villages else 1.0
    p = np.clip(profile.alleviated_share * village_factor[village], 0.0, 0.9)
    alleviated = rng.random(n) < p
    # 精准扶贫 exits ran 2014–2020, peaking 2017–2019.
    years = np.arange(2014, 2021)
    weights = np.array([0.05, 0.08, 0.12, 0.18, 0.22, 0.25, 0.10])
    year = np.where(alleviated, rng.choice(years, size=n, p=weights / weights.sum()), 0).astype(np.int16)
    village_prod = rng.lognormal(0.0, 0.12, size=n_villages)
    sigma = np.where(alleviated, profile.alleviated_sigma, profile.productivity_sigma)
    own = rng.lognormal(-sigma * sigma / 2, sigma)
    prod = profile.earning_level * village_prod[village] * own
    prod = np.where(alleviated, prod * profile.alleviated_productivity, prod)
    return Households(alleviated=alleviated, alleviated_year=year, productivity=prod)


def draw_members(rng: np.random.Generator, n_households: int) -> Members:
    """Members of every household: relation, age and sex, head first."""
    h = np.arange(n_households, dtype=np.int32)
    head_age = np.clip(np.round(rng.normal(54.0, 13.0, n_households)), 20, 90).astype(np.int16)
    head_male = rng.random(n_households) < 0.86

    counts = _relation_counts(rng, head_age)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    parts.append((h, np.full(n_households, HEAD, np.int8), head_age, head_male))
    for rel in (SPOUSE, CHILD, PARENT, GRANDCHILD, SIBLING):
        hh = np.repeat(h, counts[rel])
        age, male = _ages_and_sex(rng, rel, head_age[hh], head_male[hh], rank_within(hh), counts[rel][hh])
        keep = (age >= 0) & (age <= MAX_AGE)
        parts.append((hh[keep], np.full(int(keep.sum()), rel, np.int8), age[keep], male[keep]))

    household = np.concatenate([p[0] for p in parts])
    relation = np.concatenate([p[1] for p in parts])
    age = np.concatenate([p[2] for p in parts]).astype(np.int16)
    male = np.concatenate([p[3] for p in parts])
    # Head first, then spouse, children (eldest first), parents, grandchildren, siblings.
    order = np.lexsort((-age.astype(np.int32), relation, household))
    return Members(household=household[order], relation=relation[order], age=age[order], male=male[order])


def _relation_counts(rng: np.random.Generator, head_age: np.ndarray) -> dict[int, np.ndarray]:
    """How many spouses, children, parents, grandchildren and siblings each household has."""
    n = len(head_age)
    a = head_age.astype(np.float64)
    p_spouse = np.interp(a, [20, 24, 30, 64, 65, 74, 75, 90], [0.3, 0.4, 0.82, 0.82, 0.66, 0.66, 0.45, 0.35])
    p_child = np.interp(a, [20, 25, 35, 50, 60, 70, 90], [0.1, 0.35, 0.5, 0.42, 0.22, 0.1, 0.08])
    p_parent = np.interp(a, [20, 45, 55, 62, 63], [0.22, 0.2, 0.1, 0.05, 0.0])
    p_grand = np.interp(a, [44, 45, 55, 90], [0.0, 0.1, 0.2, 0.15])
    spouse = (rng.random(n) < p_spouse).astype(np.int64)
    child = rng.binomial(3, p_child)
    parent = np.where(rng.random(n) < p_parent, 1 + rng.binomial(1, 0.45, n), 0)
    grand = np.where(rng.random(n) < p_grand, 1 + rng.binomial(1, 0.4, n), 0)
    sibling = (rng.random(n) < 0.025).astype(np.int64)
    # Keep the household at MAX_SIZE or fewer: grandchildren go first, then children.
    excess = np.maximum(0, 1 + spouse + child + parent + grand + sibling - MAX_SIZE)
    cut = np.minimum(excess, grand)
    grand -= cut
    child -= np.minimum(excess - cut, child)
    return {SPOUSE: spouse, CHILD: child, PARENT: parent, GRANDCHILD: grand, SIBLING: sibling}


def _ages_and_sex(
    rng: np.random.Generator,
    rel: int,
    head_age: np.ndarray,
    head_male: np.ndarray,
    rank: np.ndarray,
    of: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Ages relative to the head (negative = the member does not exist) and sex."""
    n = len(head_age)
    a = head_age.astype(np.int32)
    if rel == SPOUSE:
        gap = np.clip(np.round(rng.normal(2.0, 3.0, n)), -8, 12).astype(np.int32)
        age = np.where(head_male, a - gap, a + gap)
        return np.maximum(age, 18), ~head_male
    if rel == CHILD:
        return a - rng.integers(19, 39, n), rng.random(n) < 0.52
    if rel == PARENT:
        # With two parents the first is the father; a lone parent is more often the mother.
        male = np.where(of == 2, rank == 0, rng.random(n) < 0.35)
        return a + rng.integers(20, 36, n), male
    if rel == GRANDCHILD:
        return rng.integers(0, np.maximum(np.minimum(17, a - 39), 1)), rng.random(n) < 0.53
    # SIBLING: mostly unmarried brothers living with the head.
    return np.maximum(a + rng.integers(-12, 13, n), 16), rng.random(n) < 0.7
