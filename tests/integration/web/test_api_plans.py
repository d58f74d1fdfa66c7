"""The API's household plans over a real store: read, add, adjust, move, review; refusals as problems; masking."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.web.app import create_app

from .conftest import County, GreenCase, green_channel
from .test_api import api_token, assert_problem, bearer

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def green(county: County) -> GreenCase:
    return green_channel(county)


@pytest.fixture
def cadre(county: County) -> dict[str, str]:
    return bearer(api_token(county, "cadre_a"))


def member_of(plan: dict, name: str) -> int:
    return next(m["member"] for m in plan["members"] if m["name"] == name)


def actions(county: County, record: str) -> list[tuple[str, str]]:
    e = t.audit_events.c
    with county.engine.connect() as c:
        rows = c.execute(select(e.action, e.result).where(e.record == record).order_by(e.seq)).all()
    return [(r.action, r.result) for r in rows]


def test_a_plan_is_read_with_recommendations_per_confirmed_risk_before_any_measure(api, county, green, cadre):
    response = api.get(f"/cases/{green.case_id}/plan", headers=cadre)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["plan_id"] is None and plan["version"] == 0 and plan["items"] == [] and plan["effect"] is None
    assert plan["measures_allowed"] and plan["policy"].count("@") == 1
    assert [r["risk_code"] for r in plan["recommendations"]] == ["07", "01"]
    credit = [o for r in plan["recommendations"] for o in r["options"] if o["measure"]["measure_id"] == "MICRO_CREDIT"]
    adult = member_of(plan, green.adult_name)
    assert adult in {o["member"] for o in credit}
    option = next(o for o in credit if o["member"] == adult)
    assert option["person_name"] == green.adult_name and option["person_id_masked"].count("*") == 10
    assert option["measure"]["max_amount_fen"] == 5_000_000 and option["measure"]["max_term_months"] == 36
    assert "借款人年龄" in option["reason"]
    floors = {c["rule"]: c for c in plan["checks"]}
    assert floors["DEVELOPMENT_FLOOR"]["applies"] and not floors["DEVELOPMENT_FLOOR"]["satisfied"]
    assert not FULL_ID.search(response.text)
    assert ("plan.read", "ok") in actions(county, f"case:{green.case_id}")


def test_a_measure_is_added_for_a_member_named_by_number_and_the_plan_answers_masked(api, county, green, cadre):
    adult = member_of(api.get(f"/cases/{green.case_id}/plan", headers=cadre).json(), green.adult_name)
    body = {"measure_id": "MICRO_CREDIT", "risk_codes": ["07"], "member": adult, "amount_fen": 3_000_000,
            "term_months": 36, "start": "2026-12-10", "reason": "发展养殖", "expected_version": 0}  # fmt: skip
    response = api.post(f"/cases/{green.case_id}/plan/items", json=body, headers=cadre)
    assert response.status_code == 201, response.text
    plan = response.json()
    (item,) = plan["items"]
    shown = (item["item_id"], item["measure_id"], item["status"], item["amount_fen"])
    assert shown == ("I1", "MICRO_CREDIT", "planned", 3_000_000)
    assert item["member"] == adult and item["person_name"] == green.adult_name and item["start"] == "2026-12-10"
    assert item["provider"] == "finance" and item["provider_label"] == "金融机构" and "贴息" in item["fund_source"]
    assert item["risk_codes"] == [{"code": "07", "label": "因务工就业不稳"}]
    assert plan["version"] == 1 and plan["effect"]["verdict"] in ("met", "on_track", "slow", "unknown")
    (v,) = plan["versions"]
    assert (v["version"], v["by"], v["role"], v["role_label"], v["reason"]) == (
        1, "cadre_a", "village_cadre", "村干部/帮扶联系人", "发展养殖")  # fmt: skip
    assert v["at"]["beijing"].endswith("+08:00") and v["changes"] == ["新增 I1 脱贫人口小额信贷"]
    assert not FULL_ID.search(response.text) and green.adult not in response.text
    assert ("plan.add_measure", "ok") in actions(county, f"case:{green.case_id}")

    by_id = {"measure_id": "SKILLS_TRAINING", "risk_codes": ["07"], "person_id": green.adult, "expected_version": 1}
    again = api.post(f"/cases/{green.case_id}/plan/items", json=by_id, headers=cadre)
    assert again.status_code == 201 and again.json()["items"][1]["member"] == adult


def test_refusals_are_problems_with_the_reason_and_change_nothing(api, county, green, cadre):
    url = f"/cases/{green.case_id}/plan/items"
    adult = member_of(api.get(f"/cases/{green.case_id}/plan", headers=cadre).json(), green.adult_name)
    base = {"measure_id": "MICRO_CREDIT", "risk_codes": ["07"], "member": adult, "expected_version": 0}
    over = assert_problem(
        api.post(url, json={**base, "amount_fen": 5_000_001}, headers=cadre), 422, "MEASURE_AMOUNT_CAP"
    )
    assert over["field"] == "amount_fen" and "50,000" in over["detail"]
    assert_problem(api.post(url, json={**base, "term_months": 37}, headers=cadre), 422, "MEASURE_TERM_CAP")
    assert_problem(api.post(url, json={**base, "risk_codes": ["09"]}, headers=cadre), 422, "RISK_NOT_CONFIRMED")
    assert_problem(api.post(url, json={**base, "measure_id": "NO_SUCH"}, headers=cadre), 422, "MEASURE_UNKNOWN")
    assert_problem(api.post(url, json={**base, "member": 99}, headers=cadre), 422, "MEMBER_UNKNOWN")
    twice = {**base, "person_id": green.adult}
    assert_problem(api.post(url, json=twice, headers=cadre), 422, "MEMBER_TWICE")
    stranger = {**base, "member": None, "person_id": "110101199003071234"}
    detail = assert_problem(api.post(url, json=stranger, headers=cadre), 422, "PERSON_NOT_IN_HOUSEHOLD")["detail"]
    assert not FULL_ID.search(detail)
    invalid = api.post(url, json={**base, "amount_fen": -1}, headers=cadre)
    assert assert_problem(invalid, 422, "REQUEST_INVALID")["field"] == "amount_fen"
    with county.engine.connect() as c:
        assert c.execute(select(t.plans)).first() is None

    assert api.post(url, json=base, headers=cadre).status_code == 201
    stale = assert_problem(api.post(url, json={**base, "measure_id": "INDUSTRY_SUPPORT", "member": None},
                                    headers=cadre), 409, "PLAN_VERSION")  # fmt: skip
    assert "他人修改" in stale["detail"]
    duplicate = api.post(url, json={**base, "expected_version": 1}, headers=cadre)
    assert_problem(duplicate, 422, "MEASURE_DUPLICATE")
    nothing = {"changes": {}, "reason": "x", "expected_version": 1}
    missing = api.patch(f"/cases/{green.case_id}/plan/items/I9", json=nothing, headers=cadre)
    assert_problem(missing, 404, "ITEM_NOT_FOUND")


def test_an_item_is_adjusted_moved_and_reviewed_each_a_version(api, county, green, cadre):
    base = f"/cases/{green.case_id}/plan"
    added = {"measure_id": "INDUSTRY_SUPPORT", "risk_codes": ["07"], "expected_version": 0}
    assert api.post(f"{base}/items", json=added, headers=cadre).status_code == 201
    town = bearer(api_token(county, "town_a"))
    change = {"changes": {"amount_fen": 200_000, "provider": "village_team_assistance", "note": "驻村工作队牵头"},
              "reason": "县里核定补助", "expected_version": 1}  # fmt: skip
    changed = api.patch(f"{base}/items/I1", json=change, headers=town)
    assert changed.status_code == 200, changed.text
    plan = changed.json()
    item = plan["items"][0]
    assert (item["amount_fen"], item["provider_label"], item["note"]) == (200_000, "驻村帮扶", "驻村工作队牵头")
    assert plan["version"] == 2 and plan["versions"][-1]["by"] == "town_a"
    assert plan["versions"][-1]["reason"] == "县里核定补助"
    same = api.patch(f"{base}/items/I1", json={**change, "expected_version": 2}, headers=town)
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing differs: no new version
    cleared = api.patch(f"{base}/items/I1", json={"changes": {"amount_fen": None}, "reason": "待核定",
                                                  "expected_version": 2}, headers=town)  # fmt: skip
    assert cleared.json()["items"][0]["amount_fen"] is None and cleared.json()["version"] == 3

    started = api.post(f"{base}/items/I1/status", json={"status": "in_progress", "expected_version": 3}, headers=cadre)
    assert started.status_code == 200 and started.json()["items"][0]["status"] == "in_progress"
    assert started.json()["items"][0]["start"] == started.json()["on"]
    assert {c["rule"]: c["satisfied"] for c in started.json()["checks"]}["DEVELOPMENT_FLOOR"]
    back = api.post(f"{base}/items/I1/status", json={"status": "planned", "expected_version": 4}, headers=cadre)
    assert_problem(back, 422, "ITEM_STATUS")
    cancel = api.post(f"{base}/items/I1/status", json={"status": "cancelled", "expected_version": 4}, headers=cadre)
    assert_problem(cancel, 422, "REASON_MISSING")

    reviewed = api.post(f"{base}/reviews", json={"note": "季度回访", "expected_version": 4}, headers=cadre)
    assert reviewed.status_code == 201, reviewed.text
    plan = reviewed.json()
    (review,) = plan["reviews"]
    assert review["note"] == "季度回访" and review["by"] == "cadre_a" and review["verdict_label"]
    assert plan["version"] == 5 and plan["versions"][-1]["changes"] == [f"成效复核：{review['verdict_label']}"]
    assert plan["review_due"] > plan["on"] and not plan["review_overdue"]
    record = f"case:{green.case_id}"
    done = [a for a, r in actions(county, record) if r == "ok" and a != "plan.read"]
    assert done.count("plan.change_measure") == 3 and "plan.move_measure" in done and "plan.review" in done


def test_scope_and_permissions_of_the_plan_routes(api, county, green):
    url = f"/cases/{green.case_id}/plan"
    missing = assert_problem(api.get(url, headers=bearer(api_token(county, "cadre_b"))), 404, "CASE_NOT_FOUND")
    assert missing == assert_problem(
        api.get("/cases/C000000000000/plan", headers=bearer(api_token(county, "cadre_b"))), 404, "CASE_NOT_FOUND"
    )
    assert_problem(api.get(url, headers=bearer(api_token(county, "auditor"))), 403, "PERMISSION_DENIED")
    data = bearer(api_token(county, "data"))
    assert api.get(url, headers=data).status_code == 200
    review = api.post(f"{url}/reviews", json={"expected_version": 0}, headers=data)
    assert_problem(review, 403, "PERMISSION_DENIED")
    no_plan = api.post(f"{url}/reviews", json={"expected_version": 0}, headers=bearer(api_token(county, "cadre_a")))
    assert_problem(no_plan, 404, "PLAN_NOT_FOUND")
    lead = api.post(f"/cases/{county.cases_a[-1]}/plan/items", headers=bearer(api_token(county, "cadre_a")),
                    json={"measure_id": "INDUSTRY_SUPPORT", "risk_codes": ["07"], "expected_version": 0})  # fmt: skip
    if county.cases_a[-1] != green.case_id:
        assert_problem(lead, 422, "CASE_NO_MEASURES")


def test_the_schema_documents_the_plan_routes(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert set(paths["/cases/{case_id}/plan/items/{item_id}"]) == {"patch"}
    assert set(paths["/cases/{case_id}/plan/items"]) == {"post"}
    assert "409" in paths["/cases/{case_id}/plan/reviews"]["post"]["responses"]
