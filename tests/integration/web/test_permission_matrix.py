"""Every route × {anonymous, a role without the permission, another village, permitted} (security goal 3).

The matrix lists every route of the app; a route added without an entry fails
``test_every_route_is_in_the_matrix``. Objects are village A's; "another village" is village B's
cadre (a 404, never a 403: out of scope must not reveal that a record exists); "no role" is the
auditor, who may read the audit log and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from jingzhun.web.app import create_app

from .conftest import login


@dataclass(frozen=True)
class Expect:
    anonymous: int
    no_role: int
    other_village: int
    permitted: int
    data: tuple[tuple[str, str], ...] = ()  # form fields of a POST (the CSRF token is added)


LOGIN_PAGE = 303  # pages answer an anonymous visitor with a redirect to /login

MATRIX: dict[tuple[str, str], Expect] = {
    ("GET", "/login"): Expect(200, 200, 200, 200),
    ("POST", "/login"): Expect(401, 401, 401, 401, (("user_id", "nobody"), ("password", "wrong-password"))),
    ("POST", "/logout"): Expect(LOGIN_PAGE, 303, 303, 303),
    ("GET", "/"): Expect(LOGIN_PAGE, 200, 200, 200),
    ("GET", "/cases/{case_id}"): Expect(LOGIN_PAGE, 403, 404, 200),
    ("POST", "/cases/{case_id}/act"): Expect(LOGIN_PAGE, 403, 404, 303, (("action", "accept"),)),
    # in the lead state there is no notice to object to: permitted users get the workflow's refusal
    ("POST", "/cases/{case_id}/objections"): Expect(LOGIN_PAGE, 403, 404, 422, (("summary", "异议"),)),
    ("GET", "/households/{household_id}"): Expect(LOGIN_PAGE, 403, 404, 200),
}
WHO = {"no_role": "auditor", "other_village": "cadre_b", "permitted": "cadre_a"}


def app_routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every API route, inside included routers too (they are mounted without a prefix)."""
    out: set[tuple[str, str]] = set()
    for r in routes:
        if isinstance(r, APIRoute):
            out |= {(m, r.path) for m in r.methods}
        elif hasattr(r, "original_router"):
            out |= app_routes(r.original_router.routes)
    return out


def test_every_route_is_in_the_matrix(county):
    assert app_routes(create_app(county.engine, county.settings).routes) == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_kind_of_visitor_as_the_matrix_says(county, route):
    method, template = route
    expect = MATRIX[route]
    path = template.format(case_id=county.cases_a[0], household_id=county.households_a[0])
    got = {}
    for who in ("anonymous", *WHO):
        with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as client:
            data = dict(expect.data)
            if who != "anonymous":
                data["csrf_token"] = login(client, WHO[who])
            response = client.request(method, path, data=data or None)
            got[who] = response.status_code
    assert got == {k: getattr(expect, k) for k in got}
