"""The API's visit drafts (PUT/GET/DELETE /cases/{case_id}/draft): the token's account's own, scoped and audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jingzhun.web.app import create_app

from .conftest import County
from .test_api import api_token, assert_problem, audit, bearer

DRAFT = {"action": "submit_verification", "category": "marginal_at_risk", "risk_codes": ["01"],
         "evidence": ["verification_form"], "reason": "户主住院，待补承诺书"}  # fmt: skip


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def tokens(county: County) -> dict[str, str]:
    return {u: api_token(county, u) for u in ("cadre_a", "cadre_b", "town_a", "auditor")}


@pytest.fixture
def visiting(api, county, tokens) -> str:
    """Village A's first case, accepted: the household visit is next."""
    case_id = county.cases_a[0]
    accepted = api.post(f"/cases/{case_id}/actions", json={"action": "accept"}, headers=bearer(tokens["cadre_a"]))
    assert accepted.is_success
    return case_id


def test_a_draft_is_saved_read_back_and_discarded(api, county, tokens, visiting):
    me = bearer(tokens["cadre_a"], **{"X-Request-ID": "pad-7"})
    saved = api.put(f"/cases/{visiting}/draft", json=DRAFT, headers=me)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["action"], body["action_label"], body["category"], body["reason"]) == (
        "submit_verification", "提交入户核实", "marginal_at_risk", DRAFT["reason"],
    )  # fmt: skip
    assert body["risk_codes"] == [{"code": "01", "label": "因病"}] and body["stale"] is False and body["left_out"] == []
    assert body["saved_at"]["beijing"].endswith("+08:00") and body["state_label"] == "入户核实"
    got = api.get(f"/cases/{visiting}/draft", headers=me)
    assert got.status_code == 200 and {**got.json(), "left_out": []} == body
    assert api.delete(f"/cases/{visiting}/draft", headers=me).status_code == 204
    assert_problem(api.get(f"/cases/{visiting}/draft", headers=me), 404, "DRAFT_NOT_FOUND")
    assert_problem(api.delete(f"/cases/{visiting}/draft", headers=me), 404, "DRAFT_NOT_FOUND")
    for action in ("case.draft_save", "case.draft_read", "case.draft_discard"):
        assert audit(county.engine, action) == [("cadre_a", "ok", "pad-7")]


def test_only_the_author_has_the_draft_and_scope_and_role_apply(api, tokens, visiting):
    assert api.put(f"/cases/{visiting}/draft", json=DRAFT, headers=bearer(tokens["cadre_a"])).status_code == 200
    assert_problem(api.get(f"/cases/{visiting}/draft", headers=bearer(tokens["town_a"])), 404, "DRAFT_NOT_FOUND")
    assert_problem(api.get(f"/cases/{visiting}/draft", headers=bearer(tokens["cadre_b"])), 404, "CASE_NOT_FOUND")
    assert_problem(api.get(f"/cases/{visiting}/draft", headers=bearer(tokens["auditor"])), 403, "PERMISSION_DENIED")
    put = api.put(f"/cases/{visiting}/draft", json=DRAFT, headers=bearer(tokens["cadre_b"]))
    assert_problem(put, 404, "CASE_NOT_FOUND")
    assert api.get(f"/cases/{visiting}/draft", headers=bearer(tokens["cadre_a"])).json()["reason"] == DRAFT["reason"]


def test_a_bad_value_is_left_out_and_named_and_a_bad_step_is_refused(api, tokens, visiting):
    me = bearer(tokens["cadre_a"])
    saved = api.put(f"/cases/{visiting}/draft", json={**DRAFT, "risk_codes": ["01", "ZZ"]}, headers=me)
    assert saved.status_code == 200
    assert [(x["code"], x["field"]) for x in saved.json()["left_out"]] == [("RISK_CODE_UNKNOWN", "risk_codes")]
    assert [x["code"] for x in saved.json()["risk_codes"]] == ["01"]
    not_open = api.put(f"/cases/{visiting}/draft", json={**DRAFT, "action": "approve"}, headers=me)
    assert_problem(not_open, 422, "DRAFT_ACTION_INVALID")
    unknown_field = api.put(f"/cases/{visiting}/draft", json={**DRAFT, "photo": "x"}, headers=me)
    assert_problem(unknown_field, 422, "REQUEST_INVALID")
    assert api.get(f"/cases/{visiting}/draft", headers=me).json()["risk_codes"] == [{"code": "01", "label": "因病"}]


def test_the_step_taken_through_the_api_removes_the_draft_and_others_see_theirs_stale(api, tokens, visiting):
    mine, town = bearer(tokens["cadre_a"]), bearer(tokens["town_a"])
    api.put(f"/cases/{visiting}/draft", json=DRAFT, headers=mine)
    api.put(f"/cases/{visiting}/draft", json={"action": "invalidate", "reason": "似为重复申报"}, headers=town)
    step = {**DRAFT, "evidence": ["verification_form", "signed_consent"]}
    assert api.post(f"/cases/{visiting}/actions", json=step, headers=mine).status_code == 200
    assert_problem(api.get(f"/cases/{visiting}/draft", headers=mine), 404, "DRAFT_NOT_FOUND")
    theirs = api.get(f"/cases/{visiting}/draft", headers=town).json()
    assert theirs["stale"] is True and (theirs["saved_state"], theirs["state"]) == ("verifying", "comparing")
    assert theirs["reason"] == "似为重复申报"
