"""Income: calibrated to NBS 2024 by construction, and shaped by labour, illness and shocks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from jingzhun.domain.household import YearMonth
from jingzhun.synth import SynthResult
from jingzhun.synth import profiles as P

Maker = Callable[..., SynthResult]
View = Callable[[SynthResult], pl.DataFrame]
SEEDS = (1, 2, 3)
TARGETS = {"alleviated": P.ALLEVIATED_COUNTY_INCOME_2024, "ordinary": P.NBS_RURAL_INCOME_2024}
COMPONENTS = ("wage", "business_net", "property", "transfer")


def _mean_per_capita(frame: pl.DataFrame, members: int) -> float:
    return float(frame.select(pl.sum_horizontal(*COMPONENTS).sum()).item()) / members


def test_calibration_targets_are_the_published_figures() -> None:
    assert P.ORDINARY.income_target == 23_119
    assert P.ALLEVIATED.income_target == 17_522


@pytest.mark.parametrize("profile", sorted(TARGETS))
@pytest.mark.parametrize("seed", SEEDS)
def test_population_weighted_mean_income_hits_the_target(make: Maker, profile: str, seed: int) -> None:
    result = make(seed=seed, profile=profile)
    current = result.income.filter(pl.col("period_end") == result.period_end)
    mean = _mean_per_capita(current, result.members.height)
    assert mean == pytest.approx(TARGETS[profile], rel=0.03)
    # By construction: the final scaling factor stays close to 1.
    assert 0.8 < result.income_scale < 1.2


@pytest.mark.parametrize("profile", sorted(TARGETS))
def test_previous_window_is_twelve_months_earlier_and_lower(make: Maker, profile: str) -> None:
    result = make(profile=profile)
    periods = sorted(result.income["period_end"].unique().to_list())
    assert periods == [str(YearMonth.parse(result.period_end).shift(-12)), result.period_end]
    assert result.period_end == "2026-10"
    assert result.income.group_by("household_id").len()["len"].eq(2).all()
    previous = result.income.filter(pl.col("period_end") == periods[0])
    expected = TARGETS[profile] / (P.ALLEVIATED if profile == "alleviated" else P.ORDINARY).income_growth
    assert _mean_per_capita(previous, result.members.height) == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("seed", SEEDS)
def test_few_alleviated_households_fall_below_the_yunnan_threshold(
    make: Maker, household_view: View, seed: int
) -> None:
    view = household_view(make(seed=seed)).filter("alleviated")
    below = (view["per_capita"] < P.YUNNAN_MONITORING_THRESHOLD).mean()
    assert 0.05 <= below <= 0.15


def test_amounts_are_rounded_to_the_fen_and_only_business_can_be_negative(demo: SynthResult) -> None:
    inc = demo.income
    for col in (*COMPONENTS, "medical_self_paid", "education_self_paid"):
        values = inc[col].to_numpy()
        assert np.allclose(values, np.round(values, 2), atol=1e-9, rtol=0)
        if col != "business_net":
            assert (values >= 0).all(), col
    negative = (inc.filter(pl.col("period_end") == demo.period_end)["business_net"] < 0).mean()
    assert 0.005 < negative < 0.06


def test_households_without_labour_or_with_serious_illness_earn_less(demo: SynthResult, household_view: View) -> None:
    view = household_view(demo)
    no_labour = view.filter(pl.col("n_able") == 0)["per_capita"].mean()
    with_labour = view.filter(pl.col("n_able") > 0)["per_capita"].mean()
    assert no_labour < with_labour
    ill = view.filter("serious")
    well = view.filter(~pl.col("serious"))
    assert ill["per_capita"].mean() < well["per_capita"].mean()
    assert ill["medical_self_paid"].mean() > 3 * well["medical_self_paid"].mean()


def test_more_work_months_mean_more_wages(demo: SynthResult, household_view: View) -> None:
    view = household_view(demo).filter(pl.col("n_able") > 0)
    months = (view["able_months"] / view["n_able"]).to_numpy()
    wage = (view["wage"] / view["n_able"]).to_numpy()
    assert np.corrcoef(months, wage)[0, 1] > 0.3


def test_transfers_are_higher_for_alleviated_and_elderly_households(demo: SynthResult, household_view: View) -> None:
    view = household_view(demo)
    per_capita_transfer = view.with_columns(t=pl.col("transfer") / pl.col("size"))
    alleviated = per_capita_transfer.filter("alleviated")["t"].mean()
    others = per_capita_transfer.filter(~pl.col("alleviated"))["t"].mean()
    assert alleviated > others
    no_labour = per_capita_transfer.filter(pl.col("n_able") == 0)["t"].mean()
    assert no_labour > others


def test_medical_self_paid_is_the_sum_of_medical_bills(demo: SynthResult) -> None:
    bills = (
        demo.events.filter(pl.col("event_type") == "medical_expense")
        .join(demo.members.select("person_id", hh="household_id"), on="person_id")
        .group_by("hh")
        .agg(billed=pl.col("amount").sum())
    )
    current = demo.income.filter(pl.col("period_end") == demo.period_end)
    joined = current.join(bills, left_on="household_id", right_on="hh", how="left").with_columns(
        pl.col("billed").fill_null(0.0)
    )
    assert np.allclose(joined["medical_self_paid"].to_numpy(), joined["billed"].to_numpy(), atol=0.011)


def test_school_costs_only_where_someone_studies(demo: SynthResult) -> None:
    students = demo.members.filter(
        pl.col("schooling").is_in(["preschool", "primary", "junior", "senior", "vocational", "college"])
    )["household_id"].unique()
    current = demo.income.filter(pl.col("period_end") == demo.period_end)
    assert (current.filter(~pl.col("household_id").is_in(students.implode()))["education_self_paid"] == 0).all()
    assert (current.filter(pl.col("household_id").is_in(students.implode()))["education_self_paid"] > 0).all()
