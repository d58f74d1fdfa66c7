"""Shared, cached synthetic populations for the synth tests.

Generating 20,000 households takes a fraction of a second, but many tests look at the same
ones; caching per (households, seed, profile) keeps the whole module well under a minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

import polars as pl
import pytest

from jingzhun.synth import DEFAULT_AS_OF, SynthResult, generate

HOUSEHOLDS = 20_000
ABLE = ("skilled", "ordinary", "weak")


@cache
def _generate(households: int, seed: int, profile: str, province: str, as_of: dt.date) -> SynthResult:
    return generate(households, seed, profile=profile, province=province, as_of=as_of)


Maker = Callable[..., SynthResult]


@pytest.fixture(scope="session")
def make() -> Maker:
    """``make(seed=1, profile="alleviated", households=20000, province="53", as_of=...)``."""

    def _make(
        seed: int = 1,
        profile: str = "alleviated",
        households: int = HOUSEHOLDS,
        province: str = "53",
        as_of: dt.date = DEFAULT_AS_OF,
    ) -> SynthResult:
        return _generate(households, seed, profile, province, as_of)

    return _make


@pytest.fixture(scope="session")
def demo(make: Maker) -> SynthResult:
    return make()


@pytest.fixture(scope="session")
def household_view() -> Callable[[SynthResult], pl.DataFrame]:
    return _household_view


def _household_view(result: SynthResult) -> pl.DataFrame:
    """One row per household: current-window income, size, labour and illness facts."""
    current = result.income.filter(pl.col("period_end") == result.period_end)
    facts = (
        result.members.with_columns(able=pl.col("labor_capacity").is_in(ABLE))
        .group_by("household_id")
        .agg(
            size=pl.len(),
            n_able=pl.col("able").sum(),
            serious=(pl.col("health") == "serious").any(),
            able_months=pl.col("work_months").filter(pl.col("able")).sum(),
        )
    )
    return (
        current.join(facts, on="household_id")
        .join(result.households.select("household_id", "alleviated"), on="household_id")
        .with_columns(net=pl.sum_horizontal("wage", "business_net", "property", "transfer"))
        .with_columns(per_capita=pl.col("net") / pl.col("size"))
    )
