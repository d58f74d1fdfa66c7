"""The REST API over a real store: bearer tokens, problem details, scoping, paging, steps, leads, masking."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.services.auth import create_api_token
from jingzhun.services.users import actor_of, deactivate_user
from jingzhun.web.app import create_app

from .conftest import County

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
PROBLEM = "application/problem+json"


def api_token(county: County, user_id: str) -> str:
    return create_api_token(county.engine, user_id, "test", by=actor_of(county.engine, "admin"))


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def tokens(county: County) -> dict[str, str]:
    return {u: api_token(county, u) for u in ("cadre_a", "cadre_b", "town_a", "county", "data", "auditor")}


def audit(engine, action: str) -> list[tuple[str, str, str]]:
    e = t.audit_events.c
    query = select(e.actor, e.result, e.request_id).where(e.action == action).order_by(e.seq)
    with engine.connect() as c:
        return [(r.actor, r.result, r.request_id) for r in c.execute(query)]


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["type"].endswith(code)
    assert body["title"] and body["detail"] and "Traceback" not in response.text
    return body


def test_a_token_acts_as_its_account_and_the_request_id_is_echoed(api, tokens):
    response = api.get("/me", headers=bearer(tokens["cadre_a"], **{"X-Request-ID": "sys-42"}))
    assert response.status_code == 200 and response.headers["x-request-id"] == "sys-42"
    me = response.json()
    assert me["user_id"] == "cadre_a" and me["role"] == "village_cadre" and "case.act" in me["permissions"]
    generated = api.get("/me", headers=bearer(tokens["cadre_a"], **{"X-Request-ID": "bad id\twith spaces"}))
    assert generated.headers["x-request-id"].startswith("api-")


def test_a_call_without_a_valid_token_is_a_401_problem(api, county, tokens):
    assert_problem(api.get("/cases"), 401, "TOKEN_MISSING")
    assert_problem(api.get("/cases", headers={"Authorization": "Basic Y2FkcmU6cHc="}), 401, "TOKEN_MISSING")
    invalid = api.get("/cases", headers=bearer("jz_not-a-token"))
    assert_problem(invalid, 401, "TOKEN_INVALID")
    assert 'error="invalid_token"' in invalid.headers["www-authenticate"]
    deactivate_user(county.engine, "cadre_a", by=actor_of(county.engine, "admin"))
    assert_problem(api.get("/me", headers=bearer(tokens["cadre_a"])), 401, "TOKEN_INVALID")


def test_a_role_without_case_work_is_refused_with_a_403_problem_and_the_refusal_is_audited(api, county, tokens):
    auditor = bearer(tokens["auditor"], **{"X-Request-ID": "audit-probe"})
    for path in ("/cases", f"/cases/{county.cases_a[0]}", f"/households/{county.households_a[0]}"):
        assert_problem(api.get(path, headers=auditor), 403, "PERMISSION_DENIED")
    assert ("auditor", "denied", "audit-probe") in audit(county.engine, "case.read")
    assert ("auditor", "denied", "audit-probe") in audit(county.engine, "household.read")


def test_another_villages_records_are_404_exactly_like_missing_ones(api, county, tokens):
    cadre_b = bearer(tokens["cadre_b"])
    foreign = assert_problem(api.get(f"/cases/{county.cases_a[0]}", headers=cadre_b), 404, "CASE_NOT_FOUND")
    missing = assert_problem(api.get("/cases/C000000000000", headers=cadre_b), 404, "CASE_NOT_FOUND")
    assert foreign == missing
    house = api.get(f"/households/{county.households_a[0]}", headers=cadre_b)
    assert assert_problem(house, 404, "HOUSEHOLD_NOT_FOUND")["detail"] == foreign["detail"]
    step = api.post(f"/cases/{county.cases_a[0]}/actions", json={"action": "accept"}, headers=cadre_b)
    assert assert_problem(step, 404, "CASE_NOT_FOUND") == foreign


def test_the_work_queue_pages_through_the_jurisdiction_once(api, county, tokens):
    seen: list[str] = []
    page: int | None = 1
    while page is not None:
        response = api.get("/cases", params={"page": page, "page_size": 7}, headers=bearer(tokens["county"]))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["page"] == page and body["page_size"] == 7 and len(body["items"]) <= 7
        seen += [item["case_id"] for item in body["items"]]
        page = body["next_page"]
    assert len(seen) == len(set(seen)) and set(seen) == set(county.cases_a + county.cases_b)
    village = api.get("/cases", params={"page_size": 200}, headers=bearer(tokens["cadre_a"])).json()
    assert {item["case_id"] for item in village["items"]} == set(county.cases_a) and village["next_page"] is None
    first = village["items"][0]
    assert first["state"] == "lead" and first["opened_at"]["utc"].endswith("Z")
    assert first["deadline_status"] in ("on_time", "due_soon", "overdue", "overdue_escalated")
    too_big = api.get("/cases", params={"page_size": 201}, headers=bearer(tokens["cadre_a"]))
    assert assert_problem(too_big, 422, "REQUEST_INVALID")["field"] == "page_size"


def test_a_case_is_read_with_utc_and_beijing_times_and_the_read_is_audited(api, county, tokens):
    case_id = county.cases_a[0]
    response = api.get(f"/cases/{case_id}", headers=bearer(tokens["cadre_a"], **{"X-Request-ID": "read-1"}))
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["case_id"] == case_id and case["state"] == "lead" and case["state_label"] == "线索受理"
    lead = case["leads"][0]
    assert lead["channel"] == "self_declaration" and lead["received_at"]["utc"] == "2026-11-02T01:00:00Z"
    assert lead["received_at"]["beijing"] == "2026-11-02T09:00:00+08:00"
    assert {d["subject"] for d in case["deadlines"]} >= {"procedure", "lead"}
    assert [a["action"] for a in case["actions"]][:1] == ["accept"] and case["can_object"] is False
    assert ("cadre_a", "ok", "read-1") in audit(county.engine, "case.read")


def test_a_step_taken_through_the_api_moves_the_case_and_a_refused_one_is_a_problem(api, county, tokens):
    case_id, cadre = county.cases_a[0], bearer(tokens["cadre_a"], **{"X-Request-ID": "step-1"})
    moved = api.post(f"/cases/{case_id}/actions", json={"action": "accept"}, headers=cadre)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["state"] == "verifying" and body["history"][0]["actor_id"] == "cadre_a"
    at = body["history"][0]["at"]
    assert at["utc"].endswith("Z") and at["beijing"].endswith("+08:00")
    refused = api.post(f"/cases/{case_id}/actions", json={"action": "submit_verification"}, headers=cadre)
    problem = assert_problem(refused, 422, "EVIDENCE_MISSING")
    assert problem["field"] == "evidence" and "承诺授权书" in problem["detail"]
    assert api.get(f"/cases/{case_id}", headers=cadre).json()["state"] == "verifying"
    assert ("cadre_a", "failed", "step-1") in audit(county.engine, "case.submit_verification")
    wrong_role = api.post(f"/cases/{case_id}/actions", json={"action": "complete_comparison"}, headers=cadre)
    assert_problem(wrong_role, 422, "WORKFLOW_NOT_ALLOWED")
    county_step = api.post(f"/cases/{case_id}/actions", json={"action": "invalidate", "reason": "x"},
                           headers=bearer(tokens["county"]))  # fmt: skip
    assert_problem(county_step, 403, "ROLE_NOT_ALLOWED")


def test_malformed_and_misspelt_requests_are_422_problems_naming_the_field(api, county, tokens):
    path, cadre = f"/cases/{county.cases_a[0]}/actions", bearer(tokens["cadre_a"])
    misspelt = api.post(path, json={"action": "accept", "evidnce": []}, headers=cadre)
    body = assert_problem(misspelt, 422, "REQUEST_INVALID")
    assert body["field"] == "evidnce" and body["errors"][0]["location"] == "body"
    broken = api.post(path, content=b"{not json", headers={**cadre, "Content-Type": "application/json"})
    assert_problem(broken, 422, "REQUEST_INVALID")
    assert_problem(api.post(path, json={"action": "x" * 60}, headers=cadre), 422, "REQUEST_INVALID")


def test_objections_are_recorded_and_answered_during_the_notice_only(api, county, tokens):
    case_id = county.cases_a[1]
    cadre, data = bearer(tokens["cadre_a"]), bearer(tokens["data"])
    early = api.post(f"/cases/{case_id}/objections", json={"summary": "不符合条件"}, headers=cadre)
    assert_problem(early, 422, "WORKFLOW_NOT_ALLOWED")
    steps = [
        (cadre, {"action": "accept"}),
        (cadre, {"action": "submit_verification", "evidence": ["verification_form", "signed_consent"],
                 "category": "sudden_hardship", "risk_codes": ["01"]}),
        (data, {"action": "complete_comparison", "evidence": ["asset_comparison"]}),
        (cadre, {"action": "pass_village_review", "evidence": ["village_review_minutes"]}),
    ]  # fmt: skip
    for who, step in steps:
        assert api.post(f"/cases/{case_id}/actions", json=step, headers=who).status_code == 200
    raised = api.post(f"/cases/{case_id}/objections", json={"summary": "邻居反映收入不实"}, headers=cadre)
    assert raised.status_code == 200, raised.text
    case = raised.json()
    assert case["state"] == "publicizing" and case["can_object"] is True and case["objections"][0]["open"] is True
    assert case["category"] == "sudden_hardship" and case["risk_codes"] == [{"code": "01", "label": "因病"}]
    posting = next(t for t in case["history"] if t["target"] == "publicizing")
    assert case["objections"][0]["notice_seq"] == posting["seq"]  # the notice it was raised against
    answer = {"answer_to": case["objections"][0]["objection_id"], "answer": "经核实收入属实", "upheld": False}
    answered = api.post(f"/cases/{case_id}/objections", json=answer, headers=bearer(tokens["town_a"])).json()
    assert answered["objections"][0]["open"] is False and answered["objections"][0]["answered_by"] == "town_a"
    both = api.post(f"/cases/{case_id}/objections", json={"summary": "x", **answer}, headers=cadre)
    assert_problem(both, 422, "REQUEST_INVALID")


def test_a_household_is_masked_with_no_full_id_number_anywhere_and_the_read_is_audited(api, county, tokens):
    household = county.households_a[0]
    response = api.get(f"/households/{household}", headers=bearer(tokens["cadre_a"], **{"X-Request-ID": "hh-1"}))
    assert response.status_code == 200, response.text
    assert not FULL_ID.findall(response.text)
    body = response.json()
    assert body["household_id"] == household and body["members"]
    assert all("*" in member["person_id_masked"] for member in body["members"])
    assert body["phone_masked"] is None or "*" in body["phone_masked"]
    assert [c["case_id"] for c in body["cases"]] == [county.cases_a[0]]
    assert audit(county.engine, "household.read") == [("cadre_a", "ok", "hh-1")]


def test_a_lead_joins_the_open_case_or_opens_one_and_a_retry_changes_nothing(api, county, tokens):
    cadre = bearer(tokens["cadre_a"])
    lead = {"household_id": county.households_a[2], "channel": "cadre_screening", "source": "帮扶联系人走访",
            "category": "marginal_at_risk", "risk_codes": ["07"], "lead_id": "VISIT-2026-001"}  # fmt: skip
    joined = api.post("/leads", json=lead, headers=cadre)
    assert joined.status_code == 201, joined.text
    assert joined.json() == {"lead_id": "VISIT-2026-001", "case_id": county.cases_a[2],
                             "household_id": county.households_a[2], "state": "lead", "leads_in_case": 2}  # fmt: skip
    assert api.post("/leads", json=lead, headers=cadre).json()["leads_in_case"] == 2
    with county.engine.connect() as c:
        elsewhere = c.execute(
            select(t.households.c.household_id).where(
                t.households.c.division_code.startswith(county.village_a[:6]),
                t.households.c.division_code.not_in([county.village_a, county.village_b]),
            )
        ).scalar()
    fresh = {"household_id": elsewhere, "channel": "department_warning", "source": "医保局推送", "department": "医保局"}
    opened = api.post("/leads", json=fresh, headers=bearer(tokens["county"]))
    assert opened.status_code == 201 and opened.json()["case_id"] not in county.cases_a + county.cases_b
    assert opened.json()["lead_id"].startswith("A-") and opened.json()["leads_in_case"] == 1
    assert_problem(api.post("/leads", json=fresh, headers=cadre), 404, "HOUSEHOLD_NOT_FOUND")
    no_department = {**fresh, "department": ""}
    assert assert_problem(api.post("/leads", json=no_department, headers=bearer(tokens["county"])), 422,
                          "LEAD_INVALID")["field"] == "department"  # fmt: skip
    assert_problem(api.post("/leads", json=lead, headers=bearer(tokens["auditor"])), 403, "PERMISSION_DENIED")


def test_unknown_paths_and_methods_are_problems_too(api, tokens):
    assert_problem(api.get("/nowhere", headers=bearer(tokens["cadre_a"])), 404, "NOT_FOUND")
    wrong = api.delete("/cases", headers=bearer(tokens["cadre_a"]))
    assert_problem(wrong, 405, "METHOD_NOT_ALLOWED")
    assert wrong.headers["allow"] == "GET"


def test_the_schema_describes_the_api_only_with_problem_details_and_bearer_auth(api, county):
    schema = api.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/me", "/cases", "/cases/{case_id}", "/cases/{case_id}/actions", "/cases/{case_id}/objections", "/leads",
        "/households/{household_id}", "/cases/{case_id}/draft", "/audit/events", "/users",
        "/users/{user_id}/deactivate", "/cases/{case_id}/plan", "/cases/{case_id}/plan/items",
        "/cases/{case_id}/plan/items/{item_id}", "/cases/{case_id}/plan/items/{item_id}/status",
        "/cases/{case_id}/plan/reviews", "/chain/findings", "/elimination/candidates", "/follow-ups",
        "/cases/{case_id}/follow-ups", "/supervision",
    }  # fmt: skip
    assert schema["servers"] == [{"url": "/api/v1"}]
    assert schema["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "scheme": "bearer", "description": "an API token an administrator issued for one account",
    }  # fmt: skip
    for item in schema["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                body = [PROBLEM] if status[0] == "4" else [] if status == "204" else ["application/json"]
                assert list(response.get("content", {})) == body
    with TestClient(create_app(county.engine, county.settings)) as pages:
        assert pages.get("/openapi.json").status_code == 404


def test_a_failing_audit_write_fails_the_read_with_a_bare_500_problem(county, tokens, monkeypatch):
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("audit store down: 110101199003077777")

    monkeypatch.setattr("jingzhun.services.auditing.record", broken)
    app = create_app(county.engine, county.settings)
    with TestClient(app, base_url="http://testserver/api/v1", raise_server_exceptions=False) as client:
        response = client.get(f"/households/{county.households_a[0]}", headers=bearer(tokens["cadre_a"]))
    body = assert_problem(response, 500, "INTERNAL_ERROR")
    assert "audit store" not in response.text and not FULL_ID.findall(response.text) and "members" not in body
