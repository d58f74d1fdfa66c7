"""Follow-ups and "四个不摘" over the API: the due list (paged, the helper's own marked), a visit (201), the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import local_date
from jingzhun.services.follow_ups import assign_helper
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import County
from .follow_up_support import ELIMINATED_ON, FIRST_DUE, Eliminated, eliminated_household, on_the_scenario_day  # noqa: F401
from .test_api import assert_problem
from .test_api_audit import token

pytestmark = pytest.mark.usefixtures("on_the_scenario_day")  # "overdue" as on the scenario's day


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def eliminated(county: County) -> Eliminated:
    return eliminated_household(county)


def test_the_due_list_names_the_overdue_visit_and_marks_the_helpers_own(api, county, eliminated):
    e = eliminated
    assign_helper(county.engine, e.household_id, actor_of(county.engine, "cadre_c"), helper_name="李帮扶",
                  unit="县农业农村局", helper_user_id="helper_c", on=dt.date(2025, 6, 12))  # fmt: skip
    body = api.get("/follow-ups", headers=token(county, "cadre_c")).json()
    assert body["counts"] == {"overdue": 1, "due_soon": 0, "not_due": 0} and body["total"] == 1
    (item,) = body["items"]
    assert item["case_id"] == e.case_id and item["household_id"] == e.household_id
    assert (item["eliminated_on"], item["due_on"], item["last_visit"]) == (str(ELIMINATED_ON), str(FIRST_DUE), None)
    assert item["status"] == "overdue" and item["status_label"] == "已逾期" and item["helpers"] == ["李帮扶"]
    assert item["case_state"] == "eliminated" and item["case_state_label"] == "风险已消除（跟踪期）"
    assert item["mine"] is False
    own = api.get("/follow-ups", params={"mine": "true"}, headers=token(county, "helper_c")).json()
    assert [i["case_id"] for i in own["items"]] == [e.case_id] and own["items"][0]["mine"] is True
    assert api.get("/follow-ups", params={"mine": "true"}, headers=token(county, "cadre_c")).json()["total"] == 0
    before = api.get("/follow-ups", params={"today": "2025-09-12", "overdue_only": "true"},
                     headers=token(county, "cadre_c")).json()  # fmt: skip
    assert before["today"] == "2025-09-12" and before["items"] == [] and before["counts"]["due_soon"] == 0
    paged = api.get("/follow-ups", params={"page": 2, "page_size": 1}, headers=token(county, "county")).json()
    assert paged["items"] == [] and paged["next_page"] is None and paged["total"] == 1
    assert api.get("/follow-ups", headers=token(county, "cadre_a")).json()["total"] == 0  # another village
    assert_problem(api.get("/follow-ups", params={"today": "2300-01-01"}, headers=token(county, "cadre_c")), 422,
                   "FOLLOW_UP_DAY_INVALID")  # fmt: skip
    assert_problem(api.get("/follow-ups", params={"overdue": "true"}, headers=token(county, "cadre_c")), 422,
                   "REQUEST_INVALID")  # fmt: skip
    assert_problem(api.get("/follow-ups", headers=token(county, "auditor")), 403, "PERMISSION_DENIED")


def test_a_visit_is_recorded_and_a_new_risk_names_the_case_its_lead_joined(api, county, eliminated):
    e = eliminated
    headers = token(county, "cadre_c")
    stable = api.post(f"/cases/{e.case_id}/follow-ups", json={"finding": "stable", "note": "务工收入稳定"},
                      headers=headers)  # fmt: skip
    assert stable.status_code == 201, stable.text
    body = stable.json()
    assert body["case_id"] == e.case_id and body["finding_label"] == "稳定，无新风险" and body["lead_case"] is None
    assert body["follow_up_id"].startswith("F") and body["visited_on"] == str(local_date(dt.datetime.now(dt.UTC)))
    assert api.get("/follow-ups", params={"overdue_only": "true"}, headers=headers).json()["total"] == 0

    risk = api.post(f"/cases/{e.case_id}/follow-ups",
                    json={"finding": "new_risk", "risk_codes": ["01"], "note": "户主住院", "visited_on": "2026-11-30"},
                    headers=headers)  # fmt: skip
    assert risk.status_code == 201 and risk.json()["lead_case"] == {
        "case_id": e.case_id, "joined": True, "follows": "", "state": "eliminated"
    }  # fmt: skip
    with county.engine.connect() as c:
        visits = c.execute(select(func.count()).where(t.follow_ups.c.case_id == e.case_id)).scalar_one()
    assert visits == 2

    missing = api.post(f"/cases/{e.case_id}/follow-ups", json={"finding": "new_risk", "note": "x"}, headers=headers)
    assert assert_problem(missing, 422, "FOLLOW_UP_RISK_MISSING")["field"] == "risk_codes"
    path = f"/cases/{e.case_id}/follow-ups"
    unknown = api.post(path, json={"finding": "new_risk", "note": "x", "risk_codes": ["zz"]}, headers=headers)
    assert_problem(unknown, 422, "RISK_CODE_UNKNOWN")
    early = api.post(path, json={"finding": "stable", "note": "x", "visited_on": "2025-01-01"}, headers=headers)
    assert_problem(early, 422, "FOLLOW_UP_DATE")
    extra = api.post(f"/cases/{e.case_id}/follow-ups", json={"finding": "stable", "note": "x", "by": "me"},
                     headers=headers)  # fmt: skip
    assert_problem(extra, 422, "REQUEST_INVALID")
    assert_problem(api.post(f"/cases/{county.cases_a[0]}/follow-ups", json={"finding": "stable", "note": "x"},
                            headers=token(county, "cadre_a")), 422, "FOLLOW_UP_NOT_ELIMINATED")  # fmt: skip
    assert_problem(api.post(f"/cases/{e.case_id}/follow-ups", json={"finding": "stable", "note": "x"},
                            headers=token(county, "cadre_a")), 404, "CASE_NOT_FOUND")  # fmt: skip


def test_the_supervision_report_counts_gaps_per_pillar_pages_them_and_is_audited(api, county, eliminated):
    e = eliminated
    headers = token(county, "county")
    body = api.get("/supervision", headers=headers).json()
    assert body["households"] == 1 and body["with_gaps"] == 1 and body["quality"] == []
    assert body["summary"] == [{"division": e.village[:6], "households": 1, "kept": 0, "responsibility": 1,
                                "policy": 0, "assistance": 0, "supervision": 1}]  # fmt: skip
    assert body["total"] == 2 and [g["pillar"] for g in body["items"]] == ["responsibility", "supervision"]
    assert body["items"][1]["pillar_label"] == "不摘监管" and str(FIRST_DUE) in body["items"][1]["message"]
    second = api.get("/supervision", params={"page": 2, "page_size": 1, "level": "township"}, headers=headers).json()
    assert [g["pillar"] for g in second["items"]] == ["supervision"] and second["next_page"] is None
    assert second["summary"][0]["division"] == e.village[:9]
    with county.engine.connect() as c:
        runs = c.execute(
            select(func.count()).where(t.audit_events.c.action == "supervision.report", t.audit_events.c.result == "ok")
        ).scalar_one()
    assert runs == 2
    assert api.get("/supervision", headers=token(county, "cadre_a")).json()["households"] == 0
    assert_problem(api.get("/supervision", params={"today": "1999-12-31"}, headers=headers), 422,
                   "FOLLOW_UP_DAY_INVALID")  # fmt: skip
    assert_problem(api.get("/supervision", headers=token(county, "auditor")), 403, "PERMISSION_DENIED")
