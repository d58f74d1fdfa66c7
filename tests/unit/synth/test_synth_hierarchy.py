"""Division codes: real counties, a consistent province → village hierarchy, NBS numbering."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from jingzhun.domain.ids import DivisionCode, DivisionLevel
from jingzhun.reference.divisions import counties_of_province, is_known_county
from jingzhun.synth import SynthResult
from jingzhun.synth.geography import choose_counties

Maker = Callable[..., SynthResult]


def test_demo_is_one_county_yuanmou(demo: SynthResult) -> None:
    assert demo.counties == ("532328",)
    names = dict(demo.divisions.iter_rows())
    assert names["532328000000"] == "元谋县"
    assert names["530000000000"] == "云南省"


def test_every_household_lives_in_a_listed_village_of_a_listed_township_and_real_county(
    demo: SynthResult,
) -> None:
    codes = set(demo.divisions["code"].to_list())
    levels = {c: DivisionCode(c).level for c in codes}
    for village in demo.households["division_code"].unique().to_list():
        code = DivisionCode(village)
        assert levels[village] is DivisionLevel.VILLAGE
        assert code.ancestor(DivisionLevel.TOWNSHIP).value in codes
        assert code.ancestor(DivisionLevel.COUNTY).value in codes
        assert is_known_county(code.county_code)


def test_township_and_village_numbering_follows_nbs_practice(demo: SynthResult) -> None:
    codes = [DivisionCode(c) for c in demo.divisions["code"].to_list()]
    townships = [c for c in codes if c.level is DivisionLevel.TOWNSHIP]
    villages = [c for c in codes if c.level is DivisionLevel.VILLAGE]
    assert 8 <= len(townships) <= 15
    assert all(c.part(DivisionLevel.TOWNSHIP)[0] in "12" for c in townships)
    assert all(c.part(DivisionLevel.VILLAGE)[0] == "2" for c in villages)
    per_township = pl.Series([c.value[:9] for c in villages]).value_counts()["count"]
    assert per_township.min() >= 8
    assert per_township.max() <= 20
    names = dict(demo.divisions.iter_rows())
    assert all(names[t.value][-1] in "镇乡" for t in townships)
    assert all(names[v.value].endswith("村") for v in villages)


def test_household_ids_extend_the_village_code_and_are_unique(demo: SynthResult) -> None:
    h = demo.households
    assert h["household_id"].is_unique().all()
    assert (h["household_id"].str.slice(0, 12) == h["division_code"]).all()
    assert (h["household_id"].str.len_chars() == 16).all()


def test_larger_runs_take_further_real_counties_starting_with_the_demo_county(make: Maker) -> None:
    result = make(households=70_000, seed=4)
    assert result.counties[0] == "532328"
    assert len(result.counties) == 3
    assert all(is_known_county(c) and c.startswith("53") for c in result.counties)
    per_county = result.households.group_by(pl.col("division_code").str.slice(0, 6)).len()["len"]
    assert per_county.min() >= 20_000
    assert per_county.max() <= 30_000


def test_other_provinces_start_at_their_first_county() -> None:
    chosen = choose_counties("52", 45_000)
    assert [c.code for c in chosen] == [c.code for c in counties_of_province("52")[:2]]
    assert choose_counties("53", 20_000)[0].code == "532328"
    assert len(choose_counties("53", 30_000)) == 1
