"""GET /api/v1/elimination/candidates: the elimination candidates as JSON — scoped, paged, one audit event per call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.web.app import create_app

from .conftest import County
from .elimination_support import identify, make_stable, started_measure
from .test_api import assert_problem
from .test_api_audit import token


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def monitored(county: County) -> list[str]:
    """Every village-A case (three) in monitoring; the first household stable with its risk's measure started."""
    make_stable(county, county.households_a[0])
    cases = county.cases_a
    for case_id in cases:
        identify(county, case_id)
    started_measure(county, cases[0])
    return cases


def test_a_candidate_comes_with_its_method_flag_and_evidence_and_the_others_with_reasons(api, county, monitored):
    body = api.get("/elimination/candidates", headers=token(county, "county")).json()
    assert [c["county"] for c in body["counties"]] == [county.village_a[:6]]
    assert body["counties"][0]["monitored"] == 3 and body["counties"][0]["policy"].startswith("cn-53-")
    first = body["items"][0]
    assert first["case_id"] == monitored[0] and first["household_id"] == county.households_a[0]
    assert first["eligible"] and first["method"] == "assistance" and first["method_label"] == "帮扶消除"
    assert [u["criterion_id"] for u in first["flagged"]] == ["ELIM_NOT_TOO_SOON"] and first["blocked"] == []
    assert first["evidence"]["stable_income_months"] == 12 and first["window"] and first["township_code"]
    others = [i for i in body["items"] if not i["eligible"]]
    assert {i["case_id"] for i in others} == set(monitored[1:])
    assert all("ELIM_MEASURES_IN_PLACE" in [u["criterion_id"] for u in i["blocked"]] for i in others)
    assert body["counts"] == {"monitored": 3, "candidates": 1, "assistance": 1, "natural": 0, "flagged": 1}
    assert body["refusals"]["ELIM_MEASURES_IN_PLACE"] == 2 and body["criteria"]["ELIM_HAS_LABOUR"] == "有劳动能力"
    only = api.get("/elimination/candidates", params={"eligible_only": "true"}, headers=token(county, "county")).json()
    assert [i["case_id"] for i in only["items"]] == [monitored[0]] and only["total"] == 1
    theirs = api.get("/elimination/candidates", headers=token(county, "cadre_b")).json()
    assert theirs["items"] == [] and theirs["counts"]["monitored"] == 0


def test_the_households_come_a_page_at_a_time_and_each_call_is_audited(api, county, monitored):
    headers = token(county, "cadre_a")
    everything = api.get("/elimination/candidates", headers=headers).json()
    assert everything["total"] == 3 and everything["next_page"] is None
    pages, page = [], 1
    while page:
        one = api.get("/elimination/candidates", params={"page": page, "page_size": 2}, headers=headers).json()
        assert len(one["items"]) <= 2
        pages += one["items"]
        page = one["next_page"]
    assert pages == everything["items"]
    a = t.audit_events.c
    with county.engine.connect() as c:
        calls = c.execute(select(a.actor).where(a.action == "elimination.candidates", a.result == "ok")).all()
    assert [r.actor for r in calls] == ["cadre_a"] * 3


def test_the_report_is_refused_to_roles_without_case_access_and_bad_queries_are_problems(api, county):
    assert_problem(api.get("/elimination/candidates", headers=token(county, "auditor")), 403, "PERMISSION_DENIED")
    assert_problem(api.get("/elimination/candidates", headers=token(county, "admin")), 403, "PERMISSION_DENIED")
    headers = token(county, "county")
    bad_day = api.get("/elimination/candidates", params={"as_of": "2026-13-01"}, headers=headers)
    assert_problem(bad_day, 422, "REQUEST_INVALID")
    early = api.get("/elimination/candidates", params={"as_of": "1999-12-31"}, headers=headers)
    assert assert_problem(early, 422, "ELIMINATION_DAY_INVALID")["field"] == "as_of"
    assert_problem(api.get("/elimination/candidates", params={"who": "x"}, headers=headers), 422, "REQUEST_INVALID")
    assert_problem(api.get("/elimination/candidates", params={"page": "0"}, headers=headers), 422, "REQUEST_INVALID")
    assert api.get("/elimination/candidates").status_code == 401
