"""Counties, townships and villages: the division hierarchy the households live in.

Why this shape: screening and reporting group by the 12-digit statistical division code
(province 2 + prefecture 2 + county 2 + township 3 + village 3). Counties are REAL GB/T 2260
codes from :mod:`jingzhun.reference.divisions`, so address codes in ID numbers pass the
reference check; townships and villages are synthetic but follow NBS numbering practice
(镇 101…, 乡 201…, 村委会 201…). A county's townships and villages depend only on its code,
not on the seed: the demo county looks the same in every run, only its households change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from jingzhun.reference.divisions import DivisionRef, all_divisions, counties_of_province
from jingzhun.synth import profiles as P
from jingzhun.synth.arrays import rank_within
from jingzhun.synth.names import TOWNSHIP_SUFFIX, VILLAGE_SUFFIX, place_names
from jingzhun.synth.streams import stream

MAX_HOUSEHOLDS_PER_VILLAGE = 9_999  # the household sequence in a household_id has 4 digits


@dataclass(frozen=True, slots=True)
class Geography:
    """The divisions in use, and which village each household belongs to."""

    counties: tuple[DivisionRef, ...]
    divisions: pl.DataFrame  # code, name — province, prefecture, counties, townships, villages
    village_code: np.ndarray  # int64 12-digit code per village
    village_county: np.ndarray  # int32 index into ``counties`` per village
    village_label: list[str]  # "元谋县龙甸镇金河村" per village, for addresses
    household_village: np.ndarray  # int32 village index per household, non-decreasing
    household_seq: np.ndarray  # int32 1-based sequence of the household within its village

    @property
    def household_county_code(self) -> np.ndarray:
        """The 6-digit county code of each household, as int64."""
        return np.asarray((self.village_code // 1_000_000)[self.household_village], dtype=np.int64)


def choose_counties(province: str, households: int) -> tuple[DivisionRef, ...]:
    """Real counties of ``province`` in code order, starting with the demo county if any.

    One county per ≤30,000 households (so 20,000 households is one county); when a province
    has too few counties, the last ones take more households.
    """
    candidates = counties_of_province(province)
    if not candidates:
        raise ValueError(f"no counties known for province code {province!r}")
    start = 0
    demo = P.DEMO_COUNTY.get(province)
    if demo is not None:
        start = next((i for i, c in enumerate(candidates) if c.code == demo), 0)
    ordered = candidates[start:] + candidates[:start]
    wanted = max(1, math.ceil(households / P.HOUSEHOLDS_PER_COUNTY_MAX))
    return ordered[: min(wanted, len(ordered))]


@dataclass(frozen=True, slots=True)
class _CountyPlan:
    township_codes: list[int]  # 12-digit
    township_names: list[str]
    village_codes: list[int]
    village_names: list[str]
    village_labels: list[str]


def _plan_county(county: DivisionRef) -> _CountyPlan:
    """Townships and villages of one county, a pure function of its code."""
    rng = stream(int(county.code), "divisions")
    lo, hi = P.TOWNSHIPS_PER_COUNTY
    n_town = int(rng.integers(lo, hi + 1))
    n_zhen = round(n_town * P.ZHEN_SHARE)
    vlo, vhi = P.VILLAGES_PER_TOWNSHIP
    n_villages = rng.integers(vlo, vhi + 1, size=n_town)
    stems = place_names(rng, n_town + int(n_villages.sum()))
    base = int(county.code) * 1_000_000
    plan = _CountyPlan([], [], [], [], [])
    used = n_town
    for t in range(n_town):
        kind = 1 if t < n_zhen else 2
        number = kind * 100 + (t + 1 if kind == 1 else t - n_zhen + 1)
        t_code = base + number * 1_000
        t_name = stems[t] + TOWNSHIP_SUFFIX[kind]
        plan.township_codes.append(t_code)
        plan.township_names.append(t_name)
        for v in range(int(n_villages[t])):
            v_name = stems[used] + VILLAGE_SUFFIX
            used += 1
            plan.village_codes.append(t_code + 201 + v)
            plan.village_names.append(v_name)
            plan.village_labels.append(county.name + t_name + v_name)
    return plan


def build_geography(province: str, households: int, seed: int) -> Geography:
    """Choose counties, lay out their villages and place ``households`` households in them."""
    counties = choose_counties(province, households)
    per_county = np.full(len(counties), households // len(counties), dtype=np.int64)
    per_county[: households % len(counties)] += 1
    rng = stream(seed, "placement")
    codes: list[int] = []
    names: list[str] = []
    village_code: list[int] = []
    village_county: list[int] = []
    labels: list[str] = []
    placement: list[np.ndarray] = []
    for ci, county in enumerate(counties):
        plan = _plan_county(county)
        first = len(village_code)
        codes += plan.township_codes + plan.village_codes
        names += plan.township_names + plan.village_names
        village_code += plan.village_codes
        village_county += [ci] * len(plan.village_codes)
        labels += plan.village_labels
        # Village sizes vary: a lognormal weight per village, then a multinomial split.
        weights = rng.lognormal(0.0, 0.35, size=len(plan.village_codes))
        counts = rng.multinomial(int(per_county[ci]), weights / weights.sum())
        if counts.max(initial=0) > MAX_HOUSEHOLDS_PER_VILLAGE:
            raise ValueError("too many households for one village; use more counties")
        placement.append(np.repeat(np.arange(first, first + len(counts), dtype=np.int32), counts))
    household_village = np.concatenate(placement) if placement else np.zeros(0, dtype=np.int32)
    return Geography(
        counties=counties,
        divisions=_divisions_table(counties, codes, names),
        village_code=np.asarray(village_code, dtype=np.int64),
        village_county=np.asarray(village_county, dtype=np.int32),
        village_label=labels,
        household_village=household_village,
        household_seq=(rank_within(household_village) + 1).astype(np.int32),
    )


def _divisions_table(counties: tuple[DivisionRef, ...], codes: list[int], names: list[str]) -> pl.DataFrame:
    """Province, prefecture and county rows from the reference, plus the synthetic units."""
    ref = all_divisions()
    rows: dict[int, str] = {}
    for county in counties:
        for code6 in (county.code[:2] + "0000", county.code[:4] + "00", county.code):
            if code6 in ref:
                rows[int(code6) * 1_000_000] = ref[code6].name
    rows.update(zip(codes, names, strict=True))
    ordered = sorted(rows.items())
    return pl.DataFrame(
        {"code": [f"{c:012d}" for c, _ in ordered], "name": [n for _, n in ordered]},
        schema={"code": pl.String, "name": pl.String},
    )
