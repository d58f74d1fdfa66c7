"""GET /api/v1/chain/findings: the assistance-chain report as JSON — scoped, masked, paged, one audit event per call."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import local_date
from jingzhun.web.app import create_app

from .conftest import County, green_channel
from .test_api import assert_problem
from .test_api_audit import token


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


def test_a_confirmed_risk_left_without_measure_past_the_deadline_is_reported_to_the_county(api, county):
    case = green_channel(county)  # risks 07 and 01 confirmed two days ago, no plan
    # the risks were confirmed 2 days ago (China time; 1 if that step's hour crossed midnight): 31–32 days on
    day = local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=30)
    body = api.get("/chain/findings", params={"day": day.isoformat()}, headers=token(county, "county")).json()
    assert body["check_day"] == day.isoformat()
    assert [c["county"] for c in body["counties"]] == [county.village_a[:6]]
    mine = [f for f in body["items"] if f["household_id"] == case.household_id]
    assert {(f["rule_id"], f["risk_code"]) for f in mine} == {
        ("CHAIN_RISK_WITHOUT_MEASURE", "07"), ("CHAIN_RISK_WITHOUT_MEASURE", "01")
    }  # fmt: skip
    assert all(f["kind"] == "omission" and f["rule_label"] == "风险超期未落实措施" and f["office"] for f in mine)
    assert all(case.case_id in f["record_ids"] for f in mine)
    assert body["counts"]["CHAIN_RISK_WITHOUT_MEASURE"] >= 2 and body["total"] == sum(body["counts"].values())
    assert not re.search(r"\d{17}[\dX]", str(body))  # member IDs masked, inside messages too

    # the day before the limit runs out there is no such finding yet
    early = (local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=20)).isoformat()
    quiet = api.get("/chain/findings", params={"day": early}, headers=token(county, "county")).json()
    assert not [f for f in quiet["items"] if f["household_id"] == case.household_id]


def test_findings_come_a_page_at_a_time_filtered_by_rule_and_each_call_is_audited(api, county):
    green_channel(county)
    green_channel(county, skip=1)
    day = (local_date(dt.datetime.now(dt.UTC)) + dt.timedelta(days=30)).isoformat()  # past the limit, as above
    headers = token(county, "county")
    whole = api.get("/chain/findings", params={"day": day, "rule": "CHAIN_RISK_WITHOUT_MEASURE"}, headers=headers)
    everything = whole.json()
    assert everything["total"] >= 4 and everything["next_page"] is None
    pages, page = [], 1
    while page:
        one = api.get("/chain/findings", params={"day": day, "rule": "CHAIN_RISK_WITHOUT_MEASURE", "page": page,
                                                 "page_size": 3}, headers=headers).json()  # fmt: skip
        assert len(one["items"]) <= 3
        pages += one["items"]
        page = one["next_page"]
    assert pages == everything["items"]
    a = t.audit_events.c
    with county.engine.connect() as c:
        checks = c.execute(select(a.actor, a.detail).where(a.action == "chain.check")).all()
    assert len(checks) == 1 + -(-everything["total"] // 3) and {r.actor for r in checks} == {"county"}


def test_the_report_is_refused_to_roles_without_it_and_bad_queries_are_problems(api, county):
    assert_problem(api.get("/chain/findings", headers=token(county, "auditor")), 403, "PERMISSION_DENIED")
    assert_problem(api.get("/chain/findings", headers=token(county, "admin")), 403, "PERMISSION_DENIED")
    headers = token(county, "county")
    assert_problem(api.get("/chain/findings", params={"rule": "CHAIN_NOPE"}, headers=headers), 422, "REQUEST_INVALID")
    assert_problem(api.get("/chain/findings", params={"day": "2026-13-01"}, headers=headers), 422, "REQUEST_INVALID")
    assert assert_problem(api.get("/chain/findings", params={"day": "1999-12-31"}, headers=headers), 422,
                          "CHAIN_DAY_INVALID")["field"] == "day"  # fmt: skip
    assert_problem(api.get("/chain/findings", params={"who": "x"}, headers=headers), 422, "REQUEST_INVALID")
    assert api.get("/chain/findings").status_code == 401
