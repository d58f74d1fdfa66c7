"""Resident ID numbers: valid GB 11643, consistent with age, sex and birthplace, unique."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from jingzhun.domain.ids import ResidentId, Sex, make_resident_id
from jingzhun.reference.divisions import counties_of_province, is_known_county
from jingzhun.synth import SynthResult
from jingzhun.synth.ids import ages_on, birth_dates, build_ids, resident_ids

SEEDS = (1, 2, 3)
Maker = Callable[..., SynthResult]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_id_passes_the_domain_validator(make: Maker, seed: int) -> None:
    ids = make(seed=seed).members["person_id"].to_list()
    parsed = [ResidentId(v) for v in ids]
    assert len(parsed) == len(ids)


@pytest.mark.parametrize("seed", SEEDS)
def test_ids_are_unique_across_the_output(make: Maker, seed: int) -> None:
    members = make(seed=seed).members
    assert members["person_id"].n_unique() == members.height


def test_ids_are_unique_across_several_counties(make: Maker) -> None:
    result = make(households=70_000, seed=4)
    assert len(result.counties) == 3
    assert result.members["person_id"].is_unique().all()


def test_sex_parity_matches_relations(demo: SynthResult) -> None:
    m = demo.members.with_columns(male=pl.col("person_id").str.slice(16, 1).cast(pl.Int32) % 2 == 1)
    couples = (
        m.filter(pl.col("relation").is_in(["head", "spouse"]))
        .group_by("household_id")
        .agg(n=pl.len(), males=pl.col("male").sum())
    )
    assert (couples.filter(pl.col("n") == 2)["males"] == 1).all()


def test_ages_follow_relations(demo: SynthResult) -> None:
    as_of = demo.as_of
    m = demo.members.with_columns(
        age=pl.col("person_id").map_elements(lambda v: ResidentId(v).age_on(as_of), return_dtype=pl.Int32)
    )
    heads = m.filter(pl.col("relation") == "head").select("household_id", head_age="age")
    joined = m.join(heads, on="household_id")
    gap = joined.with_columns(gap=pl.col("head_age") - pl.col("age"))
    assert (gap.filter(pl.col("relation") == "child")["gap"] >= 18).all()
    assert (gap.filter(pl.col("relation") == "child")["gap"] <= 40).all()
    assert (gap.filter(pl.col("relation") == "parent")["gap"] <= -20).all()
    assert (gap.filter(pl.col("relation") == "grandchild")["gap"] >= 36).all()
    assert (m.filter(pl.col("relation").is_in(["head", "spouse"]))["age"] >= 18).all()


def test_address_codes_are_real_counties_mostly_home(demo: SynthResult) -> None:
    m = demo.members.with_columns(addr=pl.col("person_id").str.slice(0, 6))
    assert all(is_known_county(code) for code in m["addr"].unique().to_list())
    province = {c.code for c in counties_of_province("53")}
    assert set(m["addr"].unique().to_list()) <= province
    away = m.filter(pl.col("addr") != "532328")
    assert set(away["relation"].unique().to_list()) == {"spouse"}
    spouses = m.filter(pl.col("relation") == "spouse").height
    assert 0.06 < away.height / spouses < 0.14


def test_vectorised_builder_matches_the_domain_builder() -> None:
    rng = np.random.default_rng(0)
    n = 2_000
    address = rng.choice([532328, 530102, 110101], size=n)
    birth = np.datetime64("1940-01-01") + rng.integers(0, 30_000, n).astype("timedelta64[D]")
    seq = rng.integers(0, 1_000, n)
    ours = build_ids(address, birth, seq).to_list()
    theirs = [
        make_resident_id(str(a), dt.date.fromisoformat(str(b)), int(s)).value
        for a, b, s in zip(address, birth, seq, strict=True)
    ]
    assert ours == theirs


def test_sequence_parity_gives_sex_and_keeps_ids_unique_in_crowded_groups() -> None:
    n = 900  # 450 men and 450 women born on the same day in the same county
    address = np.full(n, 532328)
    birth = np.full(n, np.datetime64("1990-05-01"))
    male = np.arange(n) % 2 == 0
    ids = resident_ids(address, birth, male).to_list()
    assert len(set(ids)) == n
    sexes = [ResidentId(v).sex for v in ids]
    assert sexes == [Sex.MALE if x else Sex.FEMALE for x in male]


@pytest.mark.parametrize("as_of", [dt.date(2024, 2, 29), dt.date(2026, 11, 1), dt.date(2025, 12, 31)])
def test_birth_dates_give_the_exact_age(as_of: dt.date) -> None:
    age = np.tile(np.arange(0, 98, dtype=np.int16), 200)
    birth = birth_dates(np.random.default_rng(1), age, as_of)
    assert (ages_on(birth, as_of) == age).all()
    sample = resident_ids(np.full(len(age), 532328), birth, np.ones(len(age), bool)).to_list()[::97]
    assert [ResidentId(v).age_on(as_of) for v in sample] == age[::97].tolist()
