"""Department feeds: clean, complete, and consistent with the registry they describe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
import pytest

from jingzhun.domain.exchange import EVENTS, KNOWN_EVENT_TYPES
from jingzhun.domain.ids import ResidentId
from jingzhun.domain.vocab import Department
from jingzhun.synth import SynthResult, generate

Maker = Callable[..., SynthResult]
PERSON_TYPES = {
    "medical_expense",
    "tekun_enrolled",
    "dropout",
    "death",
    "serious_injury",
    "disability_certified",
    "job_loss",
}


def _of(result: SynthResult, event_type: str) -> pl.DataFrame:
    return result.events.filter(pl.col("event_type") == event_type)


def test_columns_sources_types_and_ids(demo: SynthResult) -> None:
    ev = demo.events
    assert ev.columns == [c.name for c in EVENTS.columns]
    # every screening event type; the grant records of catalogue measures come from synth.chain
    grants = {"yulu_subsidy", "education_subsidy", "medical_assistance"}
    assert set(ev["event_type"].unique().to_list()) == KNOWN_EVENT_TYPES - grants
    assert set(ev["source"].unique().to_list()) <= {d.value for d in Department}
    assert ev.select(pl.struct("source", "event_id").is_unique().all()).item()
    assert ev["event_date"].dtype == pl.Date


def test_about_one_event_per_household_per_year(demo: SynthResult) -> None:
    assert 0.7 < demo.events.height / demo.households.height < 1.4


def test_person_events_name_a_person_and_household_events_a_household(demo: SynthResult) -> None:
    ev = demo.events
    person = ev.filter(pl.col("event_type").is_in(PERSON_TYPES))
    household = ev.filter(~pl.col("event_type").is_in(PERSON_TYPES))
    assert person["person_id"].null_count() == 0
    assert person["household_id"].null_count() == person.height
    assert household["household_id"].null_count() == 0
    assert household["person_id"].null_count() == household.height
    assert person["person_id"].is_in(demo.members["person_id"].implode()).all()
    assert household["household_id"].is_in(demo.households["household_id"].implode()).all()


def test_events_fall_in_the_twelve_months_before_as_of(demo: SynthResult) -> None:
    dates = demo.events["event_date"]
    assert dates.min() >= dt.date(2025, 11, 1)
    assert dates.max() <= dt.date(2026, 10, 31)


def test_housing_and_water_events_match_conditions(demo: SynthResult) -> None:
    cond = demo.conditions
    assert 0.97 <= cond["housing_safe"].mean() <= 0.99
    assert 0.96 <= cond["water_safe"].mean() <= 0.99
    unsafe = set(cond.filter(~pl.col("housing_safe"))["household_id"].to_list())
    assert set(_of(demo, "house_unsafe")["household_id"].to_list()) == unsafe
    outages = _of(demo, "water_outage").join(cond, on="household_id")
    assert outages["amount"].is_between(3, 60).all()
    assert (~outages.filter(pl.col("amount") > 30)["water_safe"]).all()


def test_dropout_events_are_the_dropout_members(demo: SynthResult) -> None:
    dropouts = set(demo.members.filter(pl.col("schooling") == "dropout")["person_id"].to_list())
    assert set(_of(demo, "dropout")["person_id"].to_list()) == dropouts


def test_job_losses_hit_migrant_workers_only(demo: SynthResult) -> None:
    lost = _of(demo, "job_loss").join(demo.members, on="person_id")
    assert lost.height > 0
    assert (lost["work_months"] > 0).all()


def test_business_failures_are_the_negative_business_incomes(demo: SynthResult) -> None:
    current = demo.income.filter(pl.col("period_end") == demo.period_end)
    negative = current.filter(pl.col("business_net") < 0)
    failures = _of(demo, "business_failure").join(negative, on="household_id", how="full", coalesce=True)
    assert failures["amount"].null_count() == 0
    assert failures["business_net"].null_count() == 0
    assert (failures["amount"] + failures["business_net"]).abs().max() < 0.011


def test_medical_bills_rise_with_illness_and_have_a_heavy_tail(make: Maker) -> None:
    big = 0
    for seed in (1, 2, 3):
        result = make(seed=seed)
        bills = _of(result, "medical_expense").join(result.members, on="person_id")
        per_person = bills.group_by("health").agg(total=pl.col("amount").sum())
        people = result.members.group_by("health").len()
        rate = dict(per_person.join(people, on="health").select("health", pl.col("total") / pl.col("len")).iter_rows())
        assert rate["healthy"] < rate["chronic"] < rate["serious"]
        big += int((bills["amount"] > 50_000).sum())
        assert bills["amount"].min() > 0
    assert big >= 3


def test_deaths_concentrate_among_the_elderly(demo: SynthResult) -> None:
    as_of = demo.as_of
    ages = [ResidentId(v).age_on(as_of) for v in _of(demo, "death")["person_id"].to_list()]
    assert sum(a >= 60 for a in ages) > 0.6 * len(ages)


@pytest.mark.parametrize(("event_type", "factor"), [("dibao_enrolled", 2.0), ("temporary_assistance", 1.5)])
def test_assistance_goes_more_often_to_households_without_labour(
    demo: SynthResult, household_view: Callable[[SynthResult], pl.DataFrame], event_type: str, factor: float
) -> None:
    view = household_view(demo).with_columns(
        helped=pl.col("household_id").is_in(_of(demo, event_type)["household_id"].implode())
    )
    no_labour = view.filter(pl.col("n_able") == 0)["helped"].mean()
    others = view.filter(pl.col("n_able") > 0)["helped"].mean()
    assert no_labour > factor * others


def test_disasters_are_clustered_by_village(demo: SynthResult) -> None:
    hit = _of(demo, "disaster_loss").join(demo.households, on="household_id")
    villages = hit["division_code"].n_unique()
    assert hit.height > 3 * villages
    assert (hit.group_by("division_code").agg(pl.col("event_date").n_unique())["event_date"] == 1).all()


def test_nobody_has_an_event_after_their_death(demo: SynthResult) -> None:
    deaths = _of(demo, "death").select("person_id", died="event_date")
    later = demo.events.join(deaths, on="person_id").filter(pl.col("event_date") > pl.col("died"))
    assert later.height == 0


def test_feeds_are_clean_by_default_and_noise_adds_a_few_unknown_types() -> None:
    clean = generate(5_000, 8)
    assert set(clean.events["event_type"].unique().to_list()) <= KNOWN_EVENT_TYPES
    noisy = generate(5_000, 8, noise=True)
    unknown = noisy.events.filter(~pl.col("event_type").is_in(list(KNOWN_EVENT_TYPES)))
    assert 1 <= unknown.height <= 0.002 * noisy.events.height + 1
    assert noisy.events.select(pl.struct("source", "event_id").is_unique().all()).item()
    assert unknown["person_id"].is_in(noisy.members["person_id"].implode()).all()
