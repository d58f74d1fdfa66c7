"""The chain check through the store (SQLite and PostgreSQL): cases, plan items and feed records in, findings out.

A synthetic county is imported; households are chosen by their facts. Planted: a confirmed
risk left without a measure for longer than the policy's deadline (found), one still within it
(not found), one answered by a running plan item (not found), and two overlapping dibao records
of civil affairs for one household (a duplicate naming both records). The synthetic county has
findings of its own (it has no Yulu records at all), so the assertions are about the planted
households, and the base run is compared with the planted one: what was added is exactly what
was planted.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import insert

from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.plans import ItemStatus
from jingzhun.domain.workflow import Role
from jingzhun.policy import load_packs
from jingzhun.services import chain, plans
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.importer import run_import

from .helpers import read_csv, synthetic_registry

NOW = dt.datetime.now(dt.UTC)
TODAY = local_date(NOW)


def _identify(engine, household: str, village: str, days_ago: int) -> str:
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    t0 = NOW - dt.timedelta(days=days_ago, hours=6)
    case = receive_lead(engine, Lead(f"S-{household}", household, Channel.SELF_DECLARATION, t0, "申报"), cadre)
    steps = [
        ("accept", {}),
        ("green_channel", {"reason": "先帮后评"}),
        ("resume", {}),
        ("submit_verification", {"evidence": ["verification_form", "signed_consent"],
                                 "category": MonitoringCategory.UNSTABLE_ALLEVIATED, "risk_codes": ["07"]}),
    ]  # fmt: skip
    for i, (action, kw) in enumerate(steps):
        act_on_case(engine, case.case_id, action, cadre, at=t0 + dt.timedelta(hours=i + 1), **kw)
    return case.case_id


def _rules(report: chain.ChainReport, household: str) -> set[str]:
    return set(report.findings.filter(pl.col("household_id") == household)["rule_id"].to_list())


@pytest.fixture
def county(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=120)
    run_import(src, engine)
    households = read_csv(src / "registry" / "households.csv")
    members = read_csv(src / "registry" / "members.csv")
    able = members.filter(pl.col("labor_capacity").is_in(["skilled", "ordinary", "weak"]))["household_id"].unique()
    picked = households.filter(pl.col("household_id").is_in(able)).head(4).rows(named=True)
    assert len(picked) == 4
    county_actor = Actor("county", Role.COUNTY_APPROVER, picked[0]["division_code"][:6] + "000000")
    return engine, picked, county_actor


def test_planted_omissions_and_a_duplicate_are_found_and_nothing_else_changes(county):
    engine, picked, county_actor = county
    deadline = load_packs().resolve(picked[0]["division_code"], TODAY).params["measure_deadline_days"]
    base = chain.check_chain(engine, county_actor)
    late, early, helped, doubled = (p["household_id"] for p in picked)
    _identify(engine, late, picked[0]["division_code"], deadline + 2)
    _identify(engine, early, picked[1]["division_code"], deadline - 2)
    helped_case = _identify(engine, helped, picked[2]["division_code"], deadline + 2)
    cadre = Actor("cadre", Role.VILLAGE_CADRE, picked[2]["division_code"])
    plans.add_measure(engine, helped_case, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    plans.move_measure(engine, helped_case, cadre, "I1", ItemStatus.IN_PROGRESS)
    with engine.begin() as conn:
        for n, day in enumerate((TODAY - dt.timedelta(days=100), TODAY - dt.timedelta(days=40))):
            conn.execute(
                insert(t.events).values(
                    source="civil_affairs", event_id=f"DB-{n}", household_id=doubled, person_id=None,
                    event_type="dibao_enrolled", known_type=True, event_date=day, amount_fen=None, detail="纳入低保",
                    version=1, import_id=None, updated_at=NOW,
                )
            )  # fmt: skip
    report = chain.check_chain(engine, county_actor)
    assert "CHAIN_RISK_WITHOUT_MEASURE" in _rules(report, late)
    assert "CHAIN_RISK_WITHOUT_MEASURE" not in _rules(report, early)
    assert "CHAIN_RISK_WITHOUT_MEASURE" not in _rules(report, helped)
    dup = report.findings.filter((pl.col("household_id") == doubled) & (pl.col("rule_id") == "CHAIN_DUPLICATE"))
    assert dup.height == 1 and set(dup["record_ids"][0]) == {"civil_affairs:DB-0", "civil_affairs:DB-1"}
    assert dup["office"][0] == "民政部门" and dup["township_code"][0] == picked[3]["division_code"][:9]
    late_row = report.findings.filter(
        (pl.col("household_id") == late) & (pl.col("rule_id") == "CHAIN_RISK_WITHOUT_MEASURE")
    )
    assert late_row["risk_code"].to_list() == ["07"] and late_row["day_from"][0] < TODAY
    # nothing but the planted findings was added (the late household's and the duplicate)
    key = ["rule_id", "household_id", "person_id", "measure_id", "risk_code"]
    added = report.findings.select(key).join(base.findings.select(key), on=key, how="anti", nulls_equal=True)
    assert sorted(zip(added["rule_id"], added["household_id"], strict=True)) == sorted(
        [("CHAIN_DUPLICATE", doubled), ("CHAIN_RISK_WITHOUT_MEASURE", late)]
    )
    assert report.counties and report.counties[0].ledger_entries >= 3


def test_only_roles_that_may_read_the_chain_report_run_it(county):
    engine, picked, _ = county
    auditor = Actor("auditor", Role.AUDITOR, picked[0]["division_code"][:6] + "000000")
    with pytest.raises(DomainError) as denied:
        chain.check_chain(engine, auditor)
    assert denied.value.code == "PERMISSION_DENIED"
    officer = Actor("data", Role.DEPARTMENT_DATA_OFFICER, picked[0]["division_code"][:6] + "000000")
    assert chain.check_chain(engine, officer).check_day == TODAY
