"""A NUL in typed text is a 422 naming the field, on every route that takes text, before anything is stored.

PostgreSQL's text columns cannot hold U+0000 (SQLite can): without the schema's own check a NUL
in a text column is a driver error (500) on the production backend only, and in a case's JSON
document it is kept as an invisible character that reaches notices and exports. No keyboard types
one. The requests here are otherwise valid, so each 422 is the NUL's alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jingzhun.web.app import create_app

from .conftest import County
from .test_api import api_token, assert_problem, bearer

NUL = "走访\x00记录"


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


def requests(county: County) -> list[tuple[str, str, dict, str]]:
    """(who, path, body, field) for each typed text a route takes."""
    case, household = county.cases_a[0], county.households_a[2]
    lead = {"household_id": household, "channel": "cadre_screening", "source": "走访", "category": "marginal_at_risk"}
    item = {"measure_id": "MICRO_CREDIT", "risk_codes": ["07"], "expected_version": 0}
    return [
        ("cadre_a", f"/cases/{case}/actions", {"action": "accept", "reason": NUL}, "reason"),
        ("cadre_a", f"/cases/{case}/objections", {"summary": NUL}, "summary"),
        ("cadre_a", "/leads", {**lead, "source": NUL}, "source"),
        ("cadre_a", "/leads", {**lead, "channel": "department_warning", "department": NUL}, "department"),
        ("cadre_a", f"/cases/{case}/draft", {"reason": NUL}, "reason"),
        ("admin", "/users/cadre_b/deactivate", {"reason": NUL}, "reason"),
        ("cadre_a", f"/cases/{case}/plan/items", {**item, "note": NUL}, "note"),
        ("cadre_a", f"/cases/{case}/plan/items", {**item, "fund_source": NUL}, "fund_source"),
        ("cadre_a", f"/cases/{case}/plan/items/I1/status",
         {"status": "cancelled", "reason": NUL, "expected_version": 0}, "reason"),
        ("cadre_a", f"/cases/{case}/plan/reviews", {"note": NUL, "expected_version": 0}, "note"),
        ("cadre_a", f"/cases/{case}/follow-ups", {"finding": "stable", "note": NUL}, "note"),
    ]  # fmt: skip


def test_a_nul_in_any_typed_text_is_refused_with_the_field_named(api, county):
    for who, path, body, field in requests(county):
        method = api.put if path.endswith("/draft") else api.post
        detail = assert_problem(method(path, json=body, headers=bearer(api_token(county, who))), 422, "REQUEST_INVALID")
        assert field in str(detail), (path, detail)
