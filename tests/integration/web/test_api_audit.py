"""GET /api/v1/audit/events: the auditor's scoped log as JSON — filters, keyset pages, one audit event per call."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t
from jingzhun.services import auditing
from jingzhun.services.auth import create_api_token
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import County, other_county
from .test_api import assert_problem, bearer


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


def token(county: County, user_id: str) -> dict[str, str]:
    admin = actor_of(county.engine, "admin_x" if user_id.endswith("_x") else "admin")
    return bearer(create_api_token(county.engine, user_id, "test", by=admin))


def reads(county: County) -> int:
    e = t.audit_events.c
    with county.engine.connect() as c:
        return int(c.execute(select(func.count()).where(e.action == "audit.read")).scalar_one())


def test_the_auditor_reads_the_countys_events_page_by_page_each_call_audited(api, county):
    cadre = actor_of(county.engine, "cadre_a")
    with county.engine.begin() as c:
        auditing.record_many(c, [auditing.entry(cadre, "case.read", f"case:{county.cases_a[0]}") for _ in range(30)])
    auditor = token(county, "auditor")
    before = reads(county)
    first = api.get("/audit/events", params={"actor": "cadre_a", "page_size": 20}, headers=auditor)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 20 and {e["actor"] for e in body["items"]} == {"cadre_a"}
    item = body["items"][0]
    assert item["at"]["beijing"].endswith("+08:00") and item["role_label"] == "村干部/帮扶联系人"
    second = api.get("/audit/events", params={"actor": "cadre_a", "page_size": 20, "before": body["next_before"]},
                     headers=auditor).json()  # fmt: skip
    assert len(second["items"]) == 10 and second["next_before"] is None
    assert max(e["seq"] for e in second["items"]) < min(e["seq"] for e in body["items"])
    assert reads(county) == before + 2
    e = t.audit_events.c
    with county.engine.connect() as c:
        last = c.execute(select(e.detail).where(e.action == "audit.read").order_by(e.seq.desc())).first()
    assert last is not None and json.loads(last.detail) == {
        "rows": 10,
        "actor": "cadre_a",
        "before": body["next_before"],
    }
    denied = api.get("/audit/events", params={"result": "denied", "action": "auth."}, headers=auditor).json()
    assert denied["items"] == []


def test_another_role_is_refused_and_another_countys_auditor_sees_none_of_this_county(api, county):
    other_county(county)
    assert_problem(api.get("/audit/events", headers=token(county, "cadre_a")), 403, "PERMISSION_DENIED")
    assert_problem(api.get("/audit/events", headers=token(county, "admin")), 403, "PERMISSION_DENIED")
    theirs = api.get("/audit/events", params={"page_size": 200}, headers=token(county, "auditor_x")).json()["items"]
    assert theirs and {e["actor"] for e in theirs} <= {"admin_x", "auditor_x"}
    assert_problem(api.get("/audit/events", params={"result": "maybe"}, headers=token(county, "auditor")), 422,
                   "REQUEST_INVALID")  # fmt: skip
    assert_problem(api.get("/audit/events", params={"who": "x"}, headers=token(county, "auditor")), 422,
                   "REQUEST_INVALID")  # fmt: skip
