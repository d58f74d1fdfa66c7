"""The columnar chain checks and the pure ones agree, finding for finding, on random ledgers.

Synthetic counties of a few hundred households (through the importer's validation) get seeded
random chains crowded onto a few dozen households so that records collide: plan entries and
department records of every catalogue measure (and of none), with and without an end, on the
days where coverage turns — term starts and the day before, month ends, the check day —
monitoring objects identified just before, on and after the deadline with detailed and family
risk codes, and random monitoring status on every day the checks read. Run under the shipped
catalogue and under one where every measure is an entitlement, so each eligibility condition,
parameter and fact is compiled to SQL and compared. The eligibility facts themselves and the
ledger built from the feeds are compared column by column as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import duckdb
import polars as pl
import pytest

from jingzhun import bootstrap
from jingzhun.adapters.engine.chain_duckdb import LEDGER_SCHEMA, MONITORED_SCHEMA, STATUS_SCHEMA, ledger, status_days
from jingzhun.adapters.engine.chain_facts import household_facts_sql, person_facts_sql
from jingzhun.domain.categories import DEFAULT_RISK_TYPES, MonitoringCategory
from jingzhun.domain.chain_omissions import income_window_on
from jingzhun.domain.eligibility import MonitoringStatus, household_facts, person_facts
from jingzhun.domain.measures import HOUSEHOLD_FACTS, PERSON_FACTS, Measure
from jingzhun.synth import generate

from .chain_support import engine_findings, ledger_of, pure_findings, statuses, validated
from .screening_support import households_from_frames

AS_OF = dt.date(2026, 11, 1)
POLICY = bootstrap.policy_resolver()("532328000000", AS_OF)
CATALOGUE = POLICY.measures
EVERYTHING_ENTITLED = tuple(dataclasses.replace(m, entitlement=True) for m in CATALOGUE)
LABELS = {t.code: t.label for t in DEFAULT_RISK_TYPES}
CODES = [t.code for t in DEFAULT_RISK_TYPES]
SOURCES = sorted({m.provider.value for m in CATALOGUE} | {"agriculture", "civil_affairs"})
FEED_TYPES = sorted({t for m in CATALOGUE for t in m.feed_events} | {"medical_expense", "pension_change"})


def interesting_day(rng: random.Random, check: dt.date) -> dt.date:
    edges = [
        dt.date(y, m, d)
        for y in (check.year - 1, check.year)
        for m, d in ((2, 28), (3, 1), (8, 31), (9, 1), (12, 31), (1, 1), (1, 31))
    ]
    edges += [check - dt.timedelta(days=1), check, check + dt.timedelta(days=1)]
    if rng.random() < 0.4:
        return rng.choice(edges)
    return check + dt.timedelta(days=rng.randint(-450, 30))


def random_chain(tables: dict[str, pl.DataFrame], seed: int, check: dt.date, catalogue) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    households = tables["households"]["household_id"].to_list()
    divisions = dict(tables["households"].select("household_id", "division_code").iter_rows())
    members: dict[str, list[str]] = {}
    for pid, hid in tables["members"].select("person_id", "household_id").iter_rows():
        members.setdefault(hid, []).append(pid)
    pool = rng.sample(households, 60)
    measures = [m.measure_id for m in catalogue] + ["NO_SUCH"]
    plan = []
    for i in range(400):
        hid = rng.choice(pool)
        mid = rng.choice(measures)
        person = rng.choice(members[hid]) if members.get(hid) and rng.random() < 0.7 else None
        start = interesting_day(rng, check)
        end = None if rng.random() < 0.6 else start + dt.timedelta(days=rng.randint(-3, 200))
        amount = rng.choice([None, 150_000])
        plan.append(
            (f"plan:E{i}", "plan", f"E{i}", hid, person, mid, start, end, amount, "agriculture", divisions[hid])
        )
    events = []
    for i in range(300):
        hid = rng.choice(pool)
        household_level = rng.random() < 0.3 or not members.get(hid)
        person = None if household_level else rng.choice(members[hid])
        if rng.random() < 0.03:
            person, hid = ("110101199001011237", None) if rng.random() < 0.5 else (None, "NO_SUCH_HOUSEHOLD")
        kind, on, amount = rng.choice(FEED_TYPES), interesting_day(rng, check), rng.choice([None, 50_000])
        events.append((f"R{i:05d}", rng.choice(SOURCES), person, hid if person is None else None, kind, on, amount, ""))
    feed = pl.DataFrame(events, schema=tables["events"].schema, orient="row")
    monitored = []
    deadline = POLICY.params["measure_deadline_days"]
    for i, hid in enumerate(rng.choices(pool, k=80)):
        days = rng.choice([deadline - 1, deadline, deadline + 1, rng.randint(0, 300)])
        codes = rng.choices(CODES, k=rng.randint(1, 3))
        case = rng.choice(["", f"C{i}"])
        monitored.append((hid, divisions[hid], check - dt.timedelta(days=days), codes, case))
    status = []
    categories = [None, *(c.value for c in MonitoringCategory)]
    for day in sorted({check, *status_days(catalogue, check)}):
        for hid in households:
            if rng.random() < 0.5:
                flags = [rng.random() < 0.5 for _ in range(4)]
                status.append((day, hid, flags[0], flags[1], rng.choice(categories), flags[2], flags[3]))
    return {
        **tables,
        "events": pl.concat([tables["events"], feed]),
        "ledger": pl.DataFrame(plan, schema=LEDGER_SCHEMA, orient="row"),
        "monitored": pl.DataFrame(monitored, schema=MONITORED_SCHEMA, orient="row"),
        "status": pl.DataFrame(status, schema=STATUS_SCHEMA, orient="row"),
    }


@pytest.fixture(scope="module", params=[21, 22, 23])
def county(request) -> dict[str, pl.DataFrame]:  # type: ignore[no-untyped-def]
    return validated(generate(400, request.param, as_of=AS_OF), AS_OF)


CHECK_DAYS = [AS_OF, dt.date(2026, 9, 1), dt.date(2027, 2, 28)]


@pytest.mark.parametrize("check", CHECK_DAYS, ids=str)
@pytest.mark.parametrize("catalogue", [CATALOGUE, EVERYTHING_ENTITLED], ids=["shipped", "all-entitled"])
def test_engine_and_domain_report_the_same_findings(county, check: dt.date, catalogue: tuple[Measure, ...]):
    seed = hash((check.toordinal(), len(catalogue), county["households"].height)) % 10_000
    tables = random_chain(county, seed, check, catalogue)
    kw = {"check_day": check, "risk_labels": LABELS}
    pure = pure_findings(tables, catalogue, POLICY.params, **kw)
    engine = engine_findings(tables, catalogue, POLICY.params, **kw)
    mismatched = [(e, p) for e, p in zip(engine, pure, strict=False) if e != p]
    assert len(engine) == len(pure) and not mismatched, (len(engine), len(pure), mismatched[:2])
    rules = {f.rule_id for f in pure}
    assert {"CHAIN_DUPLICATE", "CHAIN_RISK_WITHOUT_MEASURE"} <= rules  # the random chains exercised the checks
    if catalogue is EVERYTHING_ENTITLED:
        assert len({f.measure_id for f in pure if f.rule_id == "CHAIN_ENTITLEMENT_MISSED"}) >= 5


def test_the_ledger_from_the_feeds_is_the_same_in_both_engines(county):
    tables = random_chain(county, 7, AS_OF, CATALOGUE)
    pure = sorted(ledger_of(tables, CATALOGUE), key=lambda e: e.entry_id)
    rows = ledger(tables, CATALOGUE).iter_rows(named=True)
    engine = [(r["entry_id"], r["household_id"], r["person_id"], r["measure_id"], r["start"], r["end"],
               r["amount_fen"], r["division_code"]) for r in rows]  # fmt: skip
    expected = [(e.entry_id, e.household_id, e.person_id, e.measure_id, e.start, e.end, e.amount_fen, e.division_code)
                for e in pure]  # fmt: skip
    assert engine == expected
    assert sum(1 for e in pure if e.source != "plan") > 100


@pytest.mark.parametrize("day", [AS_OF, dt.date(2026, 9, 1), dt.date(2025, 3, 1)], ids=str)
def test_every_eligibility_fact_is_the_same_in_both_engines(county, day: dt.date):
    tables = random_chain(county, 3, day, EVERYTHING_ENTITLED)
    on = statuses(tables["status"]).get(day, {})
    con = duckdb.connect()
    for name in ("households", "members", "income", "conditions", "status"):
        con.register(name, tables[name])
    people = {r["person_id"]: r for r in con.sql(person_facts_sql(day)).pl().iter_rows(named=True)}
    homes = {r["household_id"]: r for r in con.sql(household_facts_sql(day)).pl().iter_rows(named=True)}
    con.close()
    checked = 0
    for hh, _ in households_from_frames({**tables, "events": tables["events"].head(0)}):
        expected = household_facts(hh, on.get(hh.household_id, MonitoringStatus()), window=income_window_on(hh, day))
        assert {f.name: homes[hh.household_id][f.name] for f in HOUSEHOLD_FACTS} == expected
        for m in hh.members:
            got = people[m.person_id.value]
            assert {f.name: got[f.name] for f in PERSON_FACTS} == person_facts(m, day)
            checked += 1
    assert checked > 800
