"""Cases in the real store: one open case per household, scoping inside queries, every step audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store, case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.cases import Actor, Case, Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.policy.workflow_schema import load_workflow
from jingzhun.services.cases import act_on_case, receive_lead
from jingzhun.services.deadlines import list_cases
from jingzhun.services.importer import run_import

from .helpers import read_csv, synthetic_registry

WF = load_workflow("identification")
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Beijing


@pytest.fixture
def county(engine, tmp_path):
    src = synthetic_registry(tmp_path / "reg", households=60)
    run_import(src, engine)
    hh = read_csv(src / "registry" / "households.csv")
    villages = hh["division_code"].unique().sort().to_list()
    a = hh.filter(hh["division_code"] == villages[0])["household_id"][0]
    b = hh.filter(hh["division_code"] == villages[-1])["household_id"][0]
    return {"engine": engine, "village_a": villages[0], "village_b": villages[-1], "hh_a": a, "hh_b": b}


def lead(household_id: str, n: int, at: dt.datetime = T0) -> Lead:
    return Lead(
        f"L{n}",
        household_id,
        Channel.DEPARTMENT_WARNING,
        at,
        source="screening",
        department="medical_insurance",
        suggested_category=MonitoringCategory.SUDDEN_HARDSHIP,
        suggested_risk_codes=("01",),
    )


def test_leads_for_one_household_merge_into_one_case_and_are_audited(county):
    cadre = Actor("cadre-a", Role.VILLAGE_CADRE, county["village_a"])
    first = receive_lead(county["engine"], lead(county["hh_a"], 1), cadre)
    second = receive_lead(county["engine"], lead(county["hh_a"], 2), cadre)
    assert first.case_id == second.case_id and len(second.leads) == 2
    count, problems = audit_store.verify(county["engine"], sm3)
    assert problems == [] and count == 3  # the import, then open, then merge


def test_the_store_itself_refuses_a_second_open_case(county):
    cadre = Actor("cadre-a", Role.VILLAGE_CADRE, county["village_a"])
    receive_lead(county["engine"], lead(county["hh_a"], 1), cadre)
    rogue = Case.open("C-rogue", WF, [lead(county["hh_a"], 9)])
    with pytest.raises(IntegrityError), county["engine"].begin() as conn:
        case_store.insert(conn, rogue, division_code=county["village_a"], workflow_key=WF.key, due_on=None)


def test_a_village_cadre_sees_nothing_of_another_village(county):
    a = Actor("cadre-a", Role.VILLAGE_CADRE, county["village_a"])
    b = Actor("cadre-b", Role.VILLAGE_CADRE, county["village_b"])
    case_b = receive_lead(county["engine"], lead(county["hh_b"], 1), b)
    with pytest.raises(DomainError) as e:
        receive_lead(county["engine"], lead(county["hh_b"], 2), a)
    assert e.value.code == "HOUSEHOLD_NOT_FOUND"
    with pytest.raises(DomainError) as e:
        act_on_case(county["engine"], case_b.case_id, "accept", a, at=T0)
    assert e.value.code == "CASE_NOT_FOUND"
    assert list_cases(county["engine"], a) == []
    county_officer = Actor("county-1", Role.COUNTY_APPROVER, county["village_a"][:6] + "000000")
    assert [c.case_id for c in list_cases(county["engine"], county_officer)] == [case_b.case_id]


def test_the_whole_procedure_in_the_store_with_an_intact_audit_chain(county):
    cal = ChineseWorkingCalendar()
    village, hh = county["village_a"], county["hh_a"]
    township = village[:9] + "000"
    cadre = Actor("cadre-a", Role.VILLAGE_CADRE, village)
    officer = Actor("data-1", Role.DEPARTMENT_DATA_OFFICER, village[:6] + "000000")
    reviewer = Actor("town-1", Role.TOWNSHIP_REVIEWER, township)
    approver = Actor("county-1", Role.COUNTY_APPROVER, village[:6] + "000000")
    eng = county["engine"]
    case = receive_lead(eng, lead(hh, 1), cadre)
    day = dt.timedelta(days=1)
    steps = [
        ("accept", cadre, T0, {}),
        (
            "submit_verification",
            cadre,
            T0 + day,
            {
                "evidence": ["verification_form", "signed_consent"],
                "category": MonitoringCategory.SUDDEN_HARDSHIP,
                "risk_codes": ["01"],
            },
        ),
        ("complete_comparison", officer, T0 + 2 * day, {"evidence": ["asset_comparison"]}),
        ("pass_village_review", cadre, T0 + 3 * day, {"evidence": ["village_review_minutes"]}),
    ]
    for action, actor, at, kw in steps:
        case = act_on_case(eng, case.case_id, action, actor, at=at, calendar=cal, **kw)
    with pytest.raises(DomainError) as e:  # the notice must run its 5 days first
        act_on_case(
            eng,
            case.case_id,
            "close_publicity",
            cadre,
            at=T0 + 4 * day,
            evidence=["publicity_record"],
            calendar=cal,
        )
    assert e.value.code == "NOTICE_PERIOD"
    case = act_on_case(
        eng, case.case_id, "close_publicity", cadre, at=T0 + 9 * day, evidence=["publicity_record"], calendar=cal
    )
    case = act_on_case(
        eng, case.case_id, "approve", reviewer, at=T0 + 10 * day, evidence=["township_review_opinion"], calendar=cal
    )
    case = act_on_case(
        eng,
        case.case_id,
        "approve",
        approver,
        at=T0 + 11 * day,
        evidence=["county_approval_document"],
        calendar=cal,
    )
    case = act_on_case(
        eng, case.case_id, "register", reviewer, at=T0 + 12 * day, evidence=["announcement_record"], calendar=cal
    )
    assert case.state == "monitoring" and case.category is MonitoringCategory.SUDDEN_HARDSHIP
    assert case.decision() is not None and case.decision().policy_id == "identification"
    assert case.decision().decision_policy.startswith("cn-53-2026@")  # the Yunnan pack in force that day
    count, problems = audit_store.verify(eng, sm3)
    assert problems == [] and count == 1 + 1 + 8 + 1  # import, open, eight transitions, the refusal
    with eng.connect() as c:
        stored = c.execute(select(t.cases.c.state, t.cases.c.version)).one()
    assert stored.state == "monitoring" and stored.version == 9
