"""A simulated year of a synthetic county: households enter, are helped, exit, and some fall back — every
relapse is caught by a follow-up visit or by the screening of department data within one cycle.

Eight households of a synthetic county (incomes planted month by month, stably above the line)
enter by self-declaration in January 2025, are identified through the whole procedure, get a
measure and a helper, and are proposed for elimination three months later. From then on, on the
first of every month, the county does what the system asks of it: its helpers visit every
household whose follow-up is due (``due_follow_ups``); it screens the store and receives the
warnings as leads; it rolls back a tracked household a lead was found for, and detaches the
households whose six months of tracking passed without one. Four
households fall back — two in ways only a visit can see (work lost; the income data lags), two
with a large hospital bill that the medical-insurance feed reports — two while still tracked
and two after detachment. A tracked one is rolled back by the county, a detached one comes back
as a new case naming the one it re-opens. Every step is dated in the past and goes through the
services and their guards.

Checked: every relapse gives a lead within one follow-up interval (three months) of the day it
happened; no household that did not fall back gets one; a rollback keeps every step of the
case; and the helpers' visits leave no 四个不摘 supervision gap.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl
import pytest
from sqlalchemy import select

from jingzhun import bootstrap
from jingzhun.adapters.db import case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor
from jingzhun.domain.deadlines import add_months, local_date
from jingzhun.domain.follow_ups import Finding
from jingzhun.domain.supervision import Pillar
from jingzhun.domain.workflow import Role
from jingzhun.services import follow_ups, supervision
from jingzhun.services.cases import act_on_case
from jingzhun.services.importer import run_import
from jingzhun.services.leads import leads_from_warnings
from jingzhun.services.screening import screen_store

from .helpers import plant_income, read_csv, synthetic_registry
from .test_elimination import THRESHOLD, County, clean_households, identify, started_measure
from .test_follow_ups import add_window, eliminate, on

D = dt.date
CYCLE_MONTHS = 3  # the national follow-up interval
FIRST_MONTH, LAST_MONTH = D(2025, 2, 1), D(2026, 4, 1)
SEEN_ONLY_ON_A_VISIT = "visit"
REPORTED_BY_A_FEED = "feed"


@dataclass
class Household:
    household_id: str
    enters: D
    relapse: tuple[D, str] | None = None  # the day and how it could be seen
    case_id: str = ""
    eliminated: D | None = None
    caught: list[tuple[D, str]] = field(default_factory=list)  # (day, lead id) of leads after elimination


def months(first: D, last: D) -> Iterator[D]:
    day = first
    while day <= last:
        yield day
        day = add_months(day, 1)


@pytest.fixture
def county(engine, tmp_path) -> tuple[County, list[Household]]:
    src = synthetic_registry(tmp_path / "reg", households=400)
    clean = clean_households(src)
    town = max({v[:9] for _, v in clean}, key=lambda t9: sum(1 for _, x in clean if x[:9] == t9))
    cohort_ids = [h for h, v in clean if v[:9] == town][:8]
    assert len(cohort_ids) == 8, "the synthetic township has fewer than eight households to follow"
    village = town + "000"  # the work team of the township acts as the households' cadre
    for hid in cohort_ids:  # monthly income windows from 2024-01, all well above the line
        for month in months(D(2024, 1, 1), D(2026, 10, 1)):
            period = f"{month:%Y-%m}"
            if period in ("2025-10", "2026-10"):
                plant_income(src, hid, period, THRESHOLD + 300_000)
            else:
                add_window(src, hid, period, THRESHOLD + 300_000)
    relapses = [(D(2025, 8, 10), SEEN_ONLY_ON_A_VISIT), (D(2025, 9, 15), REPORTED_BY_A_FEED),
                (D(2026, 1, 20), SEEN_ONLY_ON_A_VISIT), (D(2026, 2, 10), REPORTED_BY_A_FEED)]  # fmt: skip
    cohort = [Household(hid, D(2025, 1, 6) + dt.timedelta(days=3 * i)) for i, hid in enumerate(cohort_ids)]
    for h, relapse in zip(cohort, relapses, strict=False):
        h.relapse = relapse
    # the feed: a large hospital bill of a member, on the relapse day (the medical-insurance department's record)
    members = read_csv(src / "registry" / "members.csv")
    bills = [
        (f"YB9{i:07d}", "medical_insurance",
         members.filter(pl.col("household_id") == h.household_id)["person_id"][0], "", "medical_expense",
         h.relapse[0].isoformat(), "30000.00", "住院合规自付费用")
        for i, h in enumerate(cohort) if h.relapse and h.relapse[1] == REPORTED_BY_A_FEED
    ]  # fmt: skip
    events = read_csv(src / "feeds" / "events.csv")
    extra = pl.DataFrame(bills, schema=events.columns, orient="row")
    pl.concat([events, extra]).write_csv(src / "feeds" / "events.csv")
    run_import(src, engine)
    c = County(
        engine, village, "", "",
        Actor("cadre", Role.VILLAGE_CADRE, village),
        Actor("data", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000"),
        Actor("town", Role.TOWNSHIP_REVIEWER, village[:9] + "000"),
        Actor("county", Role.COUNTY_APPROVER, village[:6] + "000000"),
    )  # fmt: skip
    return c, cohort


def stored(c: County, case_id: str) -> case_store.Stored:
    with c.engine.connect() as conn:  # type: ignore[attr-defined]
        return case_store.load(conn, case_id, "")


def open_case_of(c: County, household_id: str) -> case_store.Stored | None:
    with c.engine.connect() as conn:  # type: ignore[attr-defined]
        return case_store.open_case_of(conn, household_id)


def test_every_relapse_is_caught_within_one_cycle_and_none_is_invented(county):
    c, cohort = county
    by_id = {h.household_id: h for h in cohort}
    resolve = bootstrap.policy_resolver()
    days = sorted({h.enters for h in cohort} | set(months(FIRST_MONTH, LAST_MONTH)))
    for day in days:
        for h in (h for h in cohort if h.enters == day):  # a household enters: identified, helped, assigned
            h.case_id = identify(c, h.household_id, start=on(day, 1))
            started_measure(c, h.case_id)
            follow_ups.assign_helper(c.engine, h.household_id, c.cadre, helper_name=f"联系人{h.household_id[-2:]}",
                                     unit="驻村工作队", on=day)  # fmt: skip
        if day.day != 1:
            continue
        for h in cohort:  # three months after identification the cadre proposes elimination
            if h.case_id and h.eliminated is None and stored(c, h.case_id).case.state == "monitoring":
                start = h.enters + dt.timedelta(days=100)
                if start < day and not h.caught:
                    h.eliminated = eliminate(c, h.case_id, start)
        for due in follow_ups.due_follow_ups(c.engine, c.cadre, today=day):  # the helpers visit what is due
            if due.due_on > day:
                continue
            h = by_id[due.household_id]
            visited = max(due.due_on, h.eliminated or due.due_on)
            fell = h.relapse is not None and h.relapse[0] <= visited and h.relapse[1] == SEEN_ONLY_ON_A_VISIT
            fid, _ = follow_ups.record_follow_up(
                c.engine, due.case_id, c.cadre, visited_on=visited,
                finding=Finding.NEW_RISK if fell else Finding.STABLE,
                note="务工中断，收入回落" if fell else "收入稳定，“三保障”无问题",
                risk_codes=("07",) if fell else (), at=on(visited, 4),
            )  # fmt: skip
            if fell:
                h.caught.append((visited, f"FU-{fid}"))
        warnings = screen_store(c.engine, day, resolve).warnings  # the monthly screening of department data
        assert warnings is not None
        ours = warnings.filter(pl.col("household_id").is_in(list(by_id)))
        report = leads_from_warnings(c.engine, c.cadre, ours, received_at=on(day, 5))
        for case_id, hid in zip(report.case_ids, sorted(set(ours["household_id"])), strict=True):
            if by_id[hid].eliminated is not None:  # a warning about a household after its elimination
                by_id[hid].caught.append((day, f"W:{case_id}"))
        for h in cohort:  # the county rolls back a tracked household a lead was found for
            s = stored(c, h.case_id) if h.case_id else None
            if s and s.case.state == "eliminated" and h.caught:
                why = "回访或部门数据发现新风险"
                act_on_case(c.engine, h.case_id, "roll_back", c.county, at=on(day, 6), reason=why)
        for h in cohort:  # tracking over, nothing found: detached
            s = stored(c, h.case_id) if h.case_id else None
            if s and s.case.state == "eliminated" and not h.caught and day >= add_months(h.eliminated, 6):
                act_on_case(c.engine, h.case_id, "detach", c.county, at=on(day, 7), evidence=["tracking_record"])

    assert all(h.eliminated for h in cohort), [h.household_id for h in cohort if not h.eliminated]
    for h in cohort:
        if h.relapse is None:
            assert h.caught == [], (h.household_id, h.caught)  # none invented
            continue
        fell_on, how = h.relapse
        assert h.caught, (h.household_id, how)
        first = h.caught[0][0]
        assert fell_on <= first <= add_months(fell_on, CYCLE_MONTHS), (h.household_id, how, fell_on, h.caught)

    tracked = [h for h in cohort if h.relapse and h.relapse[0] < add_months(h.eliminated, 6)]  # type: ignore[arg-type]
    detached = [h for h in cohort if h.relapse and h not in tracked]
    assert len(tracked) == 2 and len(detached) == 2
    for h in tracked:  # rolled back, every step kept
        s = stored(c, h.case_id)
        actions = [x.action for x in s.case.history]
        assert s.case.state == "monitoring" and actions[-1] == "roll_back"
        assert actions.count("approve") == 3 and "eliminate_by_assistance" in actions and "register" in actions
    for h in detached:  # a new case that names the one it re-opens
        again = open_case_of(c, h.household_id)
        assert again is not None and again.case.follows == h.case_id and stored(c, h.case_id).case.closed

    kept = [h for h in cohort if h.relapse is None]
    report = supervision.supervise(c.engine, c.county, today=LAST_MONTH)
    followed = {x.household_id: x for x in report.households}
    for h in kept:
        assert [g for g in followed[h.household_id].gaps if g.pillar is Pillar.SUPERVISION] == []
        assert [g for g in followed[h.household_id].gaps if g.pillar is Pillar.RESPONSIBILITY] == []
    with c.engine.connect() as conn:  # type: ignore[attr-defined]
        visits = conn.execute(select(t.follow_ups.c.household_id, t.follow_ups.c.visited_on)).all()
    for h in kept:  # a visit at least once a quarter from the elimination on
        days_seen = sorted(v.visited_on for v in visits if v.household_id == h.household_id)
        assert days_seen and days_seen[0] <= add_months(h.eliminated, CYCLE_MONTHS)  # type: ignore[arg-type]
        gaps = [(b - a).days for a, b in itertools.pairwise(days_seen)]
        assert all(g <= 92 for g in gaps), gaps
    assert local_date(dt.datetime.now(dt.UTC)) > LAST_MONTH
