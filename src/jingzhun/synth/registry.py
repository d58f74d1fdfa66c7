"""Registry tables (divisions, households, members, income, conditions) as polars frames.

Why a separate step: the generator works on numpy arrays of codes; here they become the
canonical exchange format of ``domain/exchange.py`` — English column names in the contract's
order, enum codes as their canonical strings, amounts as yuan Float64 rounded to the fen,
``period_end`` as ``YYYY-MM`` and dates as ``pl.Date``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from jingzhun.domain.exchange import CONDITIONS, HOUSEHOLDS, INCOME, MEMBERS, Table
from jingzhun.synth.attributes import HEALTHS, LABOURS, SCHOOLINGS, Traits
from jingzhun.synth.conditions import Conditions
from jingzhun.synth.geography import Geography
from jingzhun.synth.income import Income
from jingzhun.synth.population import RELATIONS, Households, Members
from jingzhun.synth.text import fixed_digits, pick
from jingzhun.synth.window import Window

_PHONE_SECOND_DIGIT = np.array([3, 5, 8])  # 13x, 15x and 18x mobile numbers


def _ordered(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    return frame.select([c.name for c in table.columns])


def household_ids(geo: Geography) -> pl.Series:
    """16 digits: the 12-digit village code and a 4-digit sequence within the village."""
    village = geo.village_code[geo.household_village]
    return fixed_digits(village * 10_000 + geo.household_seq, 16, "household_id")


def households_table(rng: np.random.Generator, geo: Geography, hh: Households, ids: pl.Series) -> pl.DataFrame:
    n = len(hh)
    village = geo.household_village
    groups_per_village = rng.integers(4, 13, size=len(geo.village_code))
    group = (rng.random(n) * groups_per_village[village]).astype(np.int64) + 1
    second = _PHONE_SECOND_DIGIT[rng.integers(0, 3, n)]
    phone = 10**10 + second * 10**9 + rng.integers(0, 10**9, n)
    frame = pl.DataFrame(
        {
            "household_id": ids,
            "division_code": fixed_digits(geo.village_code[village], 12, "division_code"),
            "alleviated": hh.alleviated,
            "alleviated_year": pl.Series(hh.alleviated_year, dtype=pl.Int32),
            "label": pick(geo.village_label, village, "label"),
            "group": group,
            "phone": fixed_digits(phone, 11, "phone"),
        }
    )
    frame = frame.with_columns(
        pl.when(pl.col("alleviated")).then(pl.col("alleviated_year")).otherwise(None).alias("alleviated_year"),
        pl.concat_str(pl.col("label"), pl.col("group").cast(pl.String), pl.lit("组")).alias("address"),
    )
    return _ordered(frame, HOUSEHOLDS)


def members_table(
    m: Members, t: Traits, person_ids: pl.Series, household_ids: pl.Series, names: pl.Series
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "person_id": person_ids,
            "household_id": household_ids.gather(m.household),
            "name": names,
            "relation": pick([r.value for r in RELATIONS], m.relation, "relation"),
            "health": pick([h.value for h in HEALTHS], t.health, "health"),
            "disability_grade": pl.Series(t.disability_grade, dtype=pl.Int32),
            "labor_capacity": pick([x.value for x in LABOURS], t.labour, "labor_capacity"),
            "schooling": pick([s.value for s in SCHOOLINGS], t.schooling, "schooling"),
            "medical_insured": t.insured,
            "work_months": pl.Series(t.work_months, dtype=pl.Int32),
        }
    )
    frame = frame.with_columns(
        pl.when(pl.col("disability_grade") > 0).then("disability_grade").otherwise(None).alias("disability_grade")
    )
    return _ordered(frame, MEMBERS)


def income_table(income: Income, window: Window, household_ids: pl.Series) -> pl.DataFrame:
    """Two rows per household: the previous window, then the current one."""
    frames = []
    for period, values in (
        (window.previous_period_end, income.previous),
        (window.period_end, income.current),
    ):
        frames.append(
            pl.DataFrame({"household_id": household_ids, **values}).with_columns(
                pl.lit(str(period)).alias("period_end")
            )
        )
    both = pl.concat(frames).sort("household_id", "period_end", maintain_order=True)
    return _ordered(both, INCOME)


def conditions_table(c: Conditions, household_ids: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "household_id": household_ids,
            "housing_safe": c.housing_safe,
            "water_safe": c.water_safe,
            "assessed_on": pl.Series(c.assessed_on).cast(pl.Date),
        }
    )
    return _ordered(frame, CONDITIONS)
