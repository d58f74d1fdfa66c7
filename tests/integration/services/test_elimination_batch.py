"""The county batch of elimination candidates: who may be proposed, by which method, and why the others may not.

The synthetic county of ``test_elimination`` (planted incomes, households nothing else keeps
from exiting), with cases identified through the services in March 2026. Only cases in
monitoring are listed; a household becomes a candidate by assistance once its confirmed risk
has a started measure; a household below the line is listed with the income reason; the batch
is scoped, refused to the auditor, audited once, and agrees with ``assess_case`` on every row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

import polars as pl
import pytest
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.elimination import EliminationMethod
from jingzhun.domain.workflow import Role
from jingzhun.services import elimination
from jingzhun.services.elimination_batch import CandidateReport, export_frame, find_candidates
from jingzhun.services.importer import run_import

from .helpers import plant_income, read_csv, synthetic_registry
from .test_elimination import T0, THRESHOLD, at, clean_households, identify, propose, refused, started_measure

DAY = at(0).date()


@dataclass
class Village:
    """One village's actors (the shape ``test_elimination.identify`` takes)."""

    engine: object
    code: str
    cadre: Actor
    data: Actor
    town: Actor
    county: Actor


@dataclass
class County:
    engine: object
    a: Village
    b: Village  # another village, in another township
    stable: str  # village A: income well above the line in both windows
    poor: str  # village A: income below the line in the current window
    steady: list[str]  # more village-A households with stable incomes
    elsewhere: str  # village B: stable income


def village(engine, code: str) -> Village:
    county = code[:6] + "000000"
    cadre = Actor(f"cadre_{code}", Role.VILLAGE_CADRE, code)
    town = Actor(f"town_{code}", Role.TOWNSHIP_REVIEWER, code[:9] + "000")
    data = Actor("data", Role.DEPARTMENT_DATA_OFFICER, county)
    return Village(engine, code, cadre, data, town, Actor("county", Role.COUNTY_APPROVER, county))


@pytest.fixture
def county(engine, tmp_path) -> County:
    src = synthetic_registry(tmp_path / "reg", households=160)
    clean = clean_households(src)
    code_a = Counter(v for _, v in clean).most_common(1)[0][0]  # three such households there
    stable, *steady = [h for h, v in clean if v == code_a]
    elsewhere, code_b = next((h, v) for h, v in clean if v[:9] != code_a[:9])
    homes = read_csv(src / "registry" / "households.csv")
    in_a = homes.filter((pl.col("division_code") == code_a) & ~pl.col("household_id").is_in([stable, *steady]))
    poor = in_a["household_id"][0]
    for household in (stable, *steady, elsewhere):
        for period in ("2025-10", "2026-10"):
            plant_income(src, household, period, THRESHOLD + 200_000)
    plant_income(src, poor, "2025-10", THRESHOLD + 200_000)
    plant_income(src, poor, "2026-10", THRESHOLD - 50_000)
    run_import(src, engine)
    return County(engine, village(engine, code_a), village(engine, code_b), stable, poor, steady, elsewhere)


def row(report: CandidateReport, household: str):
    found = [r for r in report.rows if r.household_id == household]
    assert len(found) == 1, [r.household_id for r in report.rows]
    return found[0]


def test_a_monitored_household_is_a_candidate_by_assistance_once_its_risk_has_a_started_measure(county):
    a = county.a
    case_id = identify(a, county.stable)
    before = find_candidates(county.engine, a.cadre, as_of=DAY)
    waiting = row(before, county.stable)
    assert waiting.case_id == case_id and not waiting.eligible and not before.candidates
    assert [(u.criterion_id, u.reason) for u in waiting.blocked] == [
        ("ELIM_MEASURES_IN_PLACE", "1 项已确认的风险尚未落实帮扶措施")
    ]
    assert before.refusals() == [("ELIM_MEASURES_IN_PLACE", 1)]
    assert before.label("ELIM_MEASURES_IN_PLACE") == "针对已确认风险的帮扶措施已落实"

    started_measure(a, case_id)
    report = find_candidates(county.engine, a.cadre, as_of=DAY)
    found = row(report, county.stable)
    assert found.eligible and found.method is EliminationMethod.ASSISTANCE and not found.blocked
    assert not found.flagged  # identified in March: long enough ago
    assert found.division_code == a.code and found.township_code == a.code[:9]
    assert found.window == "2026-10" and found.evidence["stable_income_months"] == 12
    assert found.policy.startswith("cn-53-") and found.open_rules == ()
    assert report.by_method() == {EliminationMethod.ASSISTANCE: 1, EliminationMethod.NATURAL: 0}
    [run] = report.counties
    assert (run.county, run.monitored, run.candidates) == (a.code[:6], 1, 1) and run.policy == found.policy


def test_a_household_below_the_line_is_listed_with_the_income_reason(county):
    a = county.a
    case_id = identify(a, county.poor)
    started_measure(a, case_id)
    report = find_candidates(county.engine, a.county, as_of=DAY)
    poor = row(report, county.poor)
    assert not poor.eligible and poor in report.others
    blocked = {u.criterion_id: u for u in poor.blocked}
    assert {"ELIM_INCOME_AT_THRESHOLD", "ELIM_INCOME_STABLE", "ELIM_NO_OPEN_RISK"} <= set(blocked)
    assert "低于监测标准" in blocked["ELIM_INCOME_AT_THRESHOLD"].reason
    assert blocked["ELIM_INCOME_AT_THRESHOLD"].label == "人均纯收入不低于监测标准"
    assert "INCOME_BELOW_THRESHOLD" in poor.open_rules
    assert dict(report.refusals())["ELIM_INCOME_AT_THRESHOLD"] == 1


def test_only_cases_in_monitoring_are_listed_and_a_soon_one_is_flagged(county):
    a = county.a
    proposed = identify(a, county.stable)
    started_measure(a, proposed)
    propose(a, proposed, at(20))  # moved on to the elimination procedure: no longer a candidate to propose
    recent = identify(a, county.steady[0], start=at(30))  # identified a fortnight ago
    started_measure(a, recent)
    report = find_candidates(county.engine, a.cadre, as_of=DAY)
    assert [r.household_id for r in report.rows] == [county.steady[0]]
    soon = report.rows[0]
    assert soon.eligible and [u.criterion_id for u in soon.flagged] == ["ELIM_NOT_TOO_SOON"]
    assert "须说明理由" in soon.flagged[0].reason and report.flagged == 1


def test_the_batch_is_scoped_refused_to_the_auditor_and_audited_once(county):
    a, b = county.a, county.b
    mine = identify(a, county.stable)
    theirs = identify(b, county.elsewhere)
    started_measure(b, theirs)
    assert [r.case_id for r in find_candidates(county.engine, a.cadre, as_of=DAY).rows] == [mine]
    assert [r.case_id for r in find_candidates(county.engine, b.cadre, as_of=DAY).candidates] == [theirs]
    whole = find_candidates(county.engine, a.county, as_of=DAY, request_id="req-1")
    assert {r.case_id for r in whole.rows} == {mine, theirs} and len(whole.candidates) == 1

    auditor = Actor("auditor", Role.AUDITOR, a.code[:6] + "000000")
    refused("PERMISSION_DENIED", find_candidates, county.engine, auditor)
    refused("ELIMINATION_DAY_INVALID", find_candidates, county.engine, a.county, as_of=dt.date(1999, 12, 31))
    e = t.audit_events.c
    with county.engine.connect() as conn:  # type: ignore[attr-defined]
        events = conn.execute(
            select(e.actor, e.result, e.detail, e.request_id)
            .where(e.action == "elimination.candidates")
            .order_by(e.seq)
        ).all()
    assert [(r.actor, r.result) for r in events] == [
        (a.cadre.actor_id, "ok"), (b.cadre.actor_id, "ok"), ("county", "ok"), ("auditor", "denied"),
        ("county", "failed"),
    ]  # fmt: skip
    detail = json.loads(events[2].detail)
    assert events[2].request_id == "req-1"
    assert detail == {"on": DAY.isoformat(), "monitored": 2, "candidates": 1, "assistance": 1, "natural": 0,
                      "unresolved": []}  # fmt: skip


def test_the_batch_and_the_case_assessment_agree_on_every_household(county):
    a = county.a
    cases = [identify(a, h) for h in (county.stable, county.poor, *county.steady)]
    started_measure(a, cases[0])
    started_measure(a, cases[1])
    for day in (DAY, dt.date(2026, 11, 15), T0.date() + dt.timedelta(days=20)):
        report = find_candidates(county.engine, a.cadre, as_of=day)
        assert len(report.rows) == len(cases)
        for r in report.rows:
            one = elimination.assess_case(county.engine, r.case_id, a.cadre, on=day)
            x = one.assessment
            assert (r.as_of, r.window, r.policy) == (one.as_of, one.window, one.policy)
            assert (r.eligible, r.method) == (x.eligible, x.method), r.household_id
            assert [(u.criterion_id, u.reason) for u in r.blocked] == [(u.criterion_id, u.reason) for u in x.blocked]
            assert [(u.criterion_id, u.reason) for u in r.flagged] == [(u.criterion_id, u.reason) for u in x.flagged]
            assert dict(r.evidence) == x.evidence and r.open_rules == x.open_rules


def test_the_export_has_one_flat_row_per_household(county):
    a = county.a
    identify(a, county.stable)
    identify(a, county.poor)
    frame = export_frame(find_candidates(county.engine, a.cadre, as_of=DAY))
    assert frame.height == 2 and frame.columns[:5] == ["household_id", "case_id", "division_code", "township_code",
                                                       "eligible"]  # fmt: skip
    poor = frame.filter(pl.col("household_id") == county.poor).row(0, named=True)
    assert "ELIM_INCOME_AT_THRESHOLD" in poor["blocked"].split(";") and "低于监测标准" in poor["blocked_reasons"]
    assert json.loads(poor["evidence"])["members"] >= 1
