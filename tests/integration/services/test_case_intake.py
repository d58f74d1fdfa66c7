"""Leads from a screening run into cases, and the daily deadline job, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from jingzhun import bootstrap
from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Channel, Lead
from jingzhun.domain.deadlines import DeadlineStatus
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.deadlines import daily_overdue, list_cases
from jingzhun.services.importer import run_import
from jingzhun.services.leads import leads_from_warnings
from jingzhun.services.screening import screen_store

from .helpers import read_csv, synthetic_registry

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # Monday 2 November 2026, 09:00 in Beijing
COUNTY = "532328000000"


@pytest.fixture
def county(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=150)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv").select("household_id", "division_code")
    return engine, hh


def test_a_screening_run_becomes_one_lead_per_flagged_household_and_a_rerun_adds_nothing(county):
    engine, _ = county
    warnings = screen_store(engine, dt.date(2026, 11, 1), bootstrap.policy_resolver()).warnings
    assert warnings is not None and warnings.height > 5
    officer = Actor("data", Role.DEPARTMENT_DATA_OFFICER, COUNTY)
    first = leads_from_warnings(engine, officer, warnings, received_at=T0)
    assert (first.read, first.opened, first.merged, first.already_received) == (warnings.height, warnings.height, 0, 0)
    again = leads_from_warnings(engine, officer, warnings, received_at=T0 + dt.timedelta(hours=1))
    assert (again.opened, again.merged, again.already_received) == (0, 0, warnings.height)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(t.cases)).scalar_one() == warnings.height
        assert c.execute(select(func.count()).select_from(t.case_leads)).scalar_one() == warnings.height
    flagged = warnings.row(0, named=True)
    rows = {r.household_id: r for r in list_cases(engine, officer, today=T0.date())}
    assert flagged["household_id"] in rows
    assert audit_store.verify(engine, sm3)[1] == []


def test_a_township_user_receives_only_its_own_households_of_a_county_run(county):
    engine, _ = county
    warnings = screen_store(engine, dt.date(2026, 11, 1), bootstrap.policy_resolver()).warnings
    assert warnings is not None
    township = warnings["division_code"][0][:9]
    reviewer = Actor("town", Role.TOWNSHIP_REVIEWER, township + "000")
    report = leads_from_warnings(engine, reviewer, warnings, received_at=T0)
    inside = warnings.filter(warnings["division_code"].str.starts_with(township)).height
    assert report.opened == inside and len(report.not_found) == warnings.height - inside


def test_a_lead_from_another_channel_merges_into_the_open_case(county):
    engine, hh = county
    household, village = hh["household_id"][0], hh["division_code"][0]
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    a = receive_lead(engine, Lead("S1", household, Channel.SELF_DECLARATION, T0, source="12317"), cadre)
    b = receive_lead(engine, Lead("V1", household, Channel.CADRE_SCREENING, T0, source="走访"), cadre)
    again = receive_lead(engine, Lead("V1", household, Channel.CADRE_SCREENING, T0, source="走访"), cadre)
    assert a.case_id == b.case_id == again.case_id and [x.lead_id for x in again.leads] == ["S1", "V1"]


def _open_cases(engine, hh, n: int) -> list[str]:
    out = []
    for i, (household, village) in enumerate(hh.head(n).iter_rows()):
        cadre = Actor(f"cadre{i}", Role.VILLAGE_CADRE, village)
        lead = Lead(f"S{i}", household, Channel.SELF_DECLARATION, T0, source="申报")
        out.append(receive_lead(engine, lead, cadre).case_id)
    return out


def test_the_daily_job_counts_late_cases_per_township_and_county(county):
    engine, hh = county
    cal = ChineseWorkingCalendar()
    ids = _open_cases(engine, hh, 6)
    first_village = hh["division_code"][0]
    act_on_case(engine, ids[0], "accept", Actor("c0", Role.VILLAGE_CADRE, first_village), at=T0 + dt.timedelta(days=1))
    today = dt.date(2026, 11, 5)  # leads were due on 4 November; the accepted one is in its 2-working-day visit
    officer = Actor("county", Role.COUNTY_APPROVER, COUNTY)
    tallies = daily_overdue(engine, officer, today=today, calendar=cal)
    county_row = next(x for x in tallies if x.level == "county")
    assert (county_row.in_procedure, county_row.overdue, county_row.due_soon, county_row.escalated) == (6, 5, 1, 0)
    townships = [x for x in tallies if x.level == "township"]
    assert sum(x.in_procedure for x in townships) == 6 and sum(x.overdue for x in townships) == 5
    assert county_row.name == "元谋县"
    queue = list_cases(engine, officer, today=today, calendar=cal)
    assert queue[-1].case_id == ids[0] and queue[-1].status is DeadlineStatus.DUE_SOON
    late = list_cases(engine, officer, today=today, overdue_only=True, calendar=cal)
    assert {r.case_id for r in late} == set(ids[1:])
    assert all(r.status is DeadlineStatus.OVERDUE for r in late)
    daily_overdue(engine, officer, today=today, calendar=cal)  # a rerun replaces the day's rows
    with engine.connect() as c:
        stored = c.execute(select(t.overdue_daily).where(t.overdue_daily.c.day == today)).all()
    assert len(stored) == len(tallies)
    assert next(r for r in stored if r.level == "county").overdue == 5


def test_a_township_run_never_overwrites_the_county_row(county):
    engine, hh = county
    cal = ChineseWorkingCalendar()
    _open_cases(engine, hh, 6)
    today = dt.date(2026, 11, 5)
    daily_overdue(engine, Actor("county", Role.COUNTY_APPROVER, COUNTY), today=today, calendar=cal)
    township = hh["division_code"][0][:9] + "000"
    mine = daily_overdue(engine, Actor("town", Role.TOWNSHIP_REVIEWER, township), today=today, calendar=cal)
    assert [x.division_code for x in mine] == [township]
    with engine.connect() as c:
        county_row = c.execute(select(t.overdue_daily).where(t.overdue_daily.c.division_code == COUNTY)).one()
    assert county_row.in_procedure == 6


def test_a_lead_id_is_never_reused_for_another_household_and_a_retry_is_audited(county):
    engine, hh = county
    same_village = hh.filter(hh["division_code"] == hh["division_code"][0])
    (h1, village), (h2, _) = same_village.head(2).iter_rows()
    cadre = Actor("cadre", Role.VILLAGE_CADRE, village)
    first = receive_lead(engine, Lead("L1", h1, Channel.SELF_DECLARATION, T0, source="申报"), cadre)
    with pytest.raises(DomainError) as e:
        receive_lead(engine, Lead("L1", h2, Channel.SELF_DECLARATION, T0, source="申报"), cadre)
    assert e.value.code == "LEAD_ID_TAKEN"
    again = receive_lead(engine, Lead("L1", h1, Channel.SELF_DECLARATION, T0, source="申报"), cadre)
    assert again.case_id == first.case_id
    with engine.connect() as c:
        actions = c.execute(select(t.audit_events.c.action).order_by(t.audit_events.c.seq)).scalars().all()
    assert actions[-3:] == ["case.open", "case.lead", "case.lead_retry"]  # the refusal is the middle one
