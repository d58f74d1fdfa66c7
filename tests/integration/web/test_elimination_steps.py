"""A monitored case in the browser's terms: the case page offers 提出风险消除, and the gate answers beside the form.

The case is taken through identification to monitoring through the services (dated in the past);
the page then offers the first step of risk elimination, which belongs to the following workflow.
Proposing it while the confirmed risk has no measure is refused with the criterion's reason and
nothing changes; the API lists the same step.
"""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from jingzhun.domain.cases import Actor
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import act_on_case, view_case
from jingzhun.web.app import create_app

from .conftest import County, advance, login
from .test_api_audit import token


def monitored(county: County) -> str:
    case_id = county.cases_a[0]
    advance(county, case_id, through_notice=True)
    town = Actor("town_a", Role.TOWNSHIP_REVIEWER, county.village_a[:9] + "000")
    boss = Actor("county", Role.COUNTY_APPROVER, county.village_a[:6] + "000000")
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, county.village_a)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)
    act_on_case(county.engine, case_id, "approve", town, at=start, evidence=["township_review_opinion"])
    act_on_case(county.engine, case_id, "approve", boss, at=start + dt.timedelta(hours=1),
                evidence=["county_approval_document"])  # fmt: skip
    act_on_case(county.engine, case_id, "register", cadre, at=start + dt.timedelta(hours=2),
                evidence=["announcement_record"])  # fmt: skip
    return case_id


def test_the_case_page_offers_elimination_and_shows_the_gate_refusal(app_client, county):
    case_id = monitored(county)
    csrf = login(app_client, "cadre_a")
    page = app_client.get(f"/cases/{case_id}").text
    assert "提出风险消除" in page and 'value="propose_elimination"' in page
    refused = app_client.post(f"/cases/{case_id}/act", data={"action": "propose_elimination", "reason": "收入稳定",
                                                             "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 422 and "不符合风险消除条件" in refused.text and "尚未落实帮扶措施" in refused.text
    cadre = Actor("cadre_a", Role.VILLAGE_CADRE, county.village_a)
    assert view_case(county.engine, case_id, cadre).case.state == "monitoring"


def test_the_api_lists_the_step_of_the_following_procedure(county):
    case_id = monitored(county)
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as api:
        body = api.get(f"/cases/{case_id}", headers=token(county, "cadre_a")).json()
    actions = {a["action"]: a for a in body["actions"]}
    assert actions["propose_elimination"]["target_label"] == "风险消除入户核实"
    assert body["history"][-1]["target_label"] == "监测帮扶"
