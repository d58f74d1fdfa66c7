"""Household composition and member attributes look like a rural county's registry."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from jingzhun.domain.ids import ResidentId
from jingzhun.synth import SynthResult
from jingzhun.synth.names import SURNAMES

Maker = Callable[..., SynthResult]
SEEDS = (1, 2, 3)
PROFILES = ("alleviated", "ordinary")


def _with_age(result: SynthResult) -> pl.DataFrame:
    as_of = result.as_of
    return result.members.with_columns(
        age=pl.col("person_id").map_elements(lambda v: ResidentId(v).age_on(as_of), return_dtype=pl.Int32)
    )


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("seed", SEEDS)
def test_household_size_is_realistic(make: Maker, profile: str, seed: int) -> None:
    result = make(seed=seed, profile=profile)
    sizes = result.members.group_by("household_id").len()["len"]
    assert sizes.len() == result.households.height
    assert 2.6 <= sizes.mean() <= 3.4
    assert sizes.min() >= 1
    assert sizes.max() <= 8
    assert set(sizes.unique().to_list()) >= set(range(1, 8))


def test_each_household_has_one_head_first_and_at_most_one_spouse(demo: SynthResult) -> None:
    m = demo.members
    heads = m.filter(pl.col("relation") == "head")["household_id"]
    assert heads.is_unique().all()
    assert heads.len() == demo.households.height
    assert m.group_by("household_id", maintain_order=True).first()["relation"].eq("head").all()
    assert m.filter(pl.col("relation") == "spouse")["household_id"].is_unique().all()
    shares = m["relation"].value_counts(normalize=True)
    assert set(shares["relation"].to_list()) >= {"head", "spouse", "child", "parent", "grandchild"}


@pytest.mark.parametrize(("profile", "low", "high"), [("alleviated", 0.25, 0.35), ("ordinary", 0.03, 0.07)])
def test_alleviated_share_and_years(make: Maker, profile: str, low: float, high: float) -> None:
    h = make(profile=profile).households
    assert low <= h["alleviated"].mean() <= high
    years = h.filter("alleviated")["alleviated_year"]
    assert years.null_count() == 0
    assert years.min() >= 2014
    assert years.max() <= 2020
    assert h.filter(~pl.col("alleviated"))["alleviated_year"].null_count() == h.filter(~pl.col("alleviated")).height


def test_contact_columns(demo: SynthResult) -> None:
    h = demo.households
    assert h["phone"].str.contains(r"^1[358]\d{9}$").all()
    assert h["address"].str.contains(r"^元谋县.+[镇乡].+村\d+组$").all()


def test_names_use_common_surnames_and_children_carry_the_family_name(demo: SynthResult) -> None:
    m = demo.members
    assert m["name"].str.slice(0, 1).is_in(list(SURNAMES)).all()
    assert m["name"].str.len_chars().is_between(2, 3).all()
    family = (
        m.filter(pl.col("relation").is_in(["head", "spouse"]))
        .group_by("household_id")
        .agg(surnames=pl.col("name").str.slice(0, 1))
    )
    kids = m.filter(pl.col("relation") == "child").join(family, on="household_id")
    ok = kids.select(pl.col("name").str.slice(0, 1).is_in(pl.col("surnames"))).to_series()
    assert ok.all()


def test_health_disability_and_labour_are_consistent(demo: SynthResult) -> None:
    m = _with_age(demo)
    disabled = m.filter(pl.col("health") == "disabled")
    assert disabled["disability_grade"].is_between(1, 4).all()
    assert (
        m.filter(pl.col("health") != "disabled")["disability_grade"].null_count()
        == m.filter(pl.col("health") != "disabled").height
    )
    assert (m.filter(pl.col("age") < 16)["labor_capacity"] == "none").all()
    serious = m.filter(pl.col("health") == "serious")
    assert serious["labor_capacity"].is_in(["lost", "none"]).all()
    adults = serious.filter(pl.col("age").is_between(23, 69))
    assert (adults["labor_capacity"] == "lost").all()
    old = m.filter(pl.col("age") > 70)
    assert (old["labor_capacity"] == "none").mean() > 0.7
    by_age = m.with_columns(band=pl.col("age") // 20).group_by("band").agg(ill=(pl.col("health") != "healthy").mean())
    ill = by_age.sort("band")["ill"].to_list()
    assert ill[0] < ill[2] < ill[-1]


def test_schooling_follows_age_with_rare_dropouts(demo: SynthResult) -> None:
    m = _with_age(demo)
    expected = {"primary": (6, 11), "junior": (12, 15), "preschool": (3, 5), "college": (19, 22)}
    for level, (lo, hi) in expected.items():
        assert m.filter(pl.col("schooling") == level)["age"].is_between(lo, hi).all(), level
    compulsory = m.filter(pl.col("age").is_between(6, 15))
    dropout = (compulsory["schooling"] == "dropout").mean()
    assert 0.0005 < dropout < 0.008
    assert m.filter(pl.col("schooling") == "dropout")["age"].is_between(6, 15).all()


def test_insurance_and_migrant_work(demo: SynthResult) -> None:
    m = _with_age(demo)
    assert 0.96 <= m["medical_insured"].mean() <= 0.99
    workers = m.filter(pl.col("work_months") > 0)
    assert m["work_months"].is_between(0, 12).all()
    assert workers["labor_capacity"].is_in(["skilled", "ordinary", "weak"]).all()
    assert workers["age"].is_between(16, 64).all()
    assert 0.15 < workers.height / m.height < 0.4
