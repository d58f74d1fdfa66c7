"""Every route × {anonymous, a role without the permission, another village, permitted} (security goal 3).

The matrix lists every route of the app; a route added without an entry fails
``test_every_route_is_in_the_matrix``. Objects are village A's; "another village" is village B's
cadre (a 404, never a 403: out of scope must not reveal that a record exists); "no role" is the
auditor, who may read the audit log and nothing else. The auditor's and the administrator's
routes are asked the other way round (``Expect.who``): village A's cadre has no role there, and
"another village" is the auditor or administrator of another county.

The plan routes (一户一策) are also asked of every role (``PLAN_ROLES``): the caseworkers edit,
the department data officer reads, the assistance partner, the auditor and the administrator
are refused, and another county's approver finds nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from jingzhun.domain.workflow import Role
from jingzhun.services import plans
from jingzhun.services.attachments import add_attachment
from jingzhun.services.auth import create_api_token, set_password
from jingzhun.services.drafts import save_draft
from jingzhun.services.follow_ups import assign_helper
from jingzhun.services.users import User, actor_of, add_user
from jingzhun.web.app import create_app

from .conftest import PASSWORD, County, green_channel, login, other_county


@dataclass(frozen=True)
class Expect:
    anonymous: int
    no_role: int
    other_village: int
    permitted: int
    data: tuple[tuple[str, str], ...] = ()  # form fields of a POST (the CSRF token is added); JSON for the API
    query: str = ""  # appended to the path; "{case_id}" and "{household_id}" are filled in here too
    who: tuple[str, str, str] | None = None  # (no role, other village, permitted) when not ``WHO``'s
    body: Any = None  # the JSON body of an API call, when it is not ``data``'s flat strings


LOGIN_PAGE = 303  # pages answer an anonymous visitor with a redirect to /login
API = "/api/v1"  # the REST API: a bearer token instead of a login, JSON bodies, 401 for no token

AUDITORS = ("cadre_a", "auditor_x", "auditor")  # see ``other_county``
ADMINS = ("cadre_a", "admin_x", "admin")
NEW_ACCOUNT = (("user_id", "cadre_new"), ("display_name", "新村干部"), ("role", "village_cadre"),
               ("jurisdiction", "{village_code}"))  # fmt: skip

MATRIX: dict[tuple[str, str], Expect] = {
    ("GET", "/login"): Expect(200, 200, 200, 200),
    ("POST", "/login"): Expect(401, 401, 401, 401, (("user_id", "nobody"), ("password", "wrong-password"))),
    ("POST", "/logout"): Expect(LOGIN_PAGE, 303, 303, 303),
    ("GET", "/"): Expect(LOGIN_PAGE, 303, 200, 200),  # the auditor's home is the audit log
    ("GET", "/cases/{case_id}"): Expect(LOGIN_PAGE, 403, 404, 200),
    ("POST", "/cases/{case_id}/act"): Expect(LOGIN_PAGE, 403, 404, 303, (("action", "accept"),)),
    # in the lead state there is no notice to object to: permitted users get the workflow's refusal
    ("POST", "/cases/{case_id}/objections"): Expect(LOGIN_PAGE, 403, 404, 422, (("summary", "异议"),)),
    # the matrix posts no file: permitted users get the refusal for the missing file
    ("POST", "/cases/{case_id}/attachments"): Expect(LOGIN_PAGE, 403, 404, 422, (("document_key", "signed_consent"),)),
    # a PDF village A's cadre attached to the case (seeded by ``attachment_in_village_a``)
    ("GET", "/attachments/{attachment_id}"): Expect(LOGIN_PAGE, 403, 404, 200),
    # a visit draft of the open step; discarding answers with the case page whether or not there was one
    ("POST", "/cases/{case_id}/draft"): Expect(LOGIN_PAGE, 403, 404, 303, (("action", "accept"),)),
    ("POST", "/cases/{case_id}/draft/discard"): Expect(LOGIN_PAGE, 403, 404, 303),
    ("GET", "/households/{household_id}"): Expect(LOGIN_PAGE, 403, 404, 200),
    ("POST", "/households/{household_id}/unmask"): Expect(LOGIN_PAGE, 403, 404, 200, (("reason", "办理医保缴费资助"),)),
    # a search is scoped, not refused: another village's cadre simply finds nothing
    ("GET", "/search"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("POST", "/search"): Expect(LOGIN_PAGE, 403, 200, 200, (("q", "{household_id}"),)),
    ("GET", "/review"): Expect(LOGIN_PAGE, 403, 200, 200),
    # the chain report is scoped, not refused: another village's cadre sees its own village's findings
    ("GET", "/chain"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", "/chain.csv"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", f"{API}/chain/findings"): Expect(401, 403, 200, 200),
    # so are the elimination candidates: another village's cadre finds none of village A's
    ("GET", "/elimination"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", "/elimination.csv"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", f"{API}/elimination/candidates"): Expect(401, 403, 200, 200),
    # follow-ups and 四个不摘: scoped lists; a visit to a case whose risk is not eliminated is refused (422)
    ("GET", "/follow-ups"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("POST", "/cases/{case_id}/follow-ups"): Expect(
        LOGIN_PAGE, 403, 404, 422, (("finding", "stable"), ("note", "稳定"))
    ),
    ("GET", "/supervision"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", "/supervision.csv"): Expect(LOGIN_PAGE, 403, 200, 200),
    ("GET", f"{API}/follow-ups"): Expect(401, 403, 200, 200),
    ("POST", f"{API}/cases/{{case_id}}/follow-ups"): Expect(
        401, 403, 404, 422, body={"finding": "stable", "note": "稳定"}
    ),
    ("GET", f"{API}/supervision"): Expect(401, 403, 200, 200),
    # helpers of a village-A household; the assignment ended is seeded by ``helper_in_village_a``
    ("POST", "/households/{household_id}/helpers"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("helper_name", "李帮扶"), ("unit", "县农业农村局"))
    ),
    ("POST", "/households/{household_id}/helpers/{assignment_id}/end"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("reason", "调离"),)
    ),
    # each case of a batch is its own use case: an out-of-scope one is listed as not found
    ("POST", "/review"): Expect(LOGIN_PAGE, 403, 200, 200, (("case_id", "{case_id}"),)),
    # a village's notice: another village is not found; with no case in the notice yet it is an empty notice
    ("GET", "/notices/{village_code}.pdf"): Expect(LOGIN_PAGE, 403, 404, 200),
    ("GET", "/notices/{village_code}"): Expect(LOGIN_PAGE, 403, 404, 200),
    # every token may ask whom it acts as
    ("GET", f"{API}/me"): Expect(401, 200, 200, 200),
    ("GET", f"{API}/cases"): Expect(401, 403, 200, 200),
    ("GET", f"{API}/cases/{{case_id}}"): Expect(401, 403, 404, 200),
    ("POST", f"{API}/cases/{{case_id}}/actions"): Expect(401, 403, 404, 200, (("action", "accept"),)),
    ("POST", f"{API}/cases/{{case_id}}/objections"): Expect(401, 403, 404, 422, (("summary", "异议"),)),
    ("POST", f"{API}/leads"): Expect(
        401, 403, 404, 201, (("household_id", "{household_id}"), ("channel", "cadre_screening"), ("source", "走访"))
    ),
    ("GET", f"{API}/households/{{household_id}}"): Expect(401, 403, 404, 200),
    # village A's cadre has a draft of the case (seeded by ``draft_in_village_a``)
    ("PUT", f"{API}/cases/{{case_id}}/draft"): Expect(401, 403, 404, 200, (("action", "accept"),)),
    ("GET", f"{API}/cases/{{case_id}}/draft"): Expect(401, 403, 404, 200),
    ("DELETE", f"{API}/cases/{{case_id}}/draft"): Expect(401, 403, 404, 204),
    # the auditor's log is scoped: another county's auditor reads an empty log of its own county
    ("GET", "/audit"): Expect(LOGIN_PAGE, 403, 200, 200, who=AUDITORS),
    ("GET", "/audit/export.csv"): Expect(LOGIN_PAGE, 403, 200, 200, who=AUDITORS),
    ("POST", "/audit/verify"): Expect(LOGIN_PAGE, 403, 200, 200, who=AUDITORS),
    ("GET", f"{API}/audit/events"): Expect(401, 403, 200, 200, who=AUDITORS),
    # accounts: another county's administrator sees its own (empty) list, not this county's accounts
    ("GET", "/users"): Expect(LOGIN_PAGE, 403, 200, 200, who=ADMINS),
    ("POST", "/users"): Expect(LOGIN_PAGE, 403, 403, 303, NEW_ACCOUNT, who=ADMINS),
    ("GET", "/users/{user_id}"): Expect(LOGIN_PAGE, 403, 404, 200, who=ADMINS),
    ("POST", "/users/{user_id}/password"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("password", "new pass 2026"), ("confirm", "new pass 2026")), who=ADMINS
    ),
    ("POST", "/users/{user_id}/token"): Expect(
        LOGIN_PAGE, 403, 404, 200, (("name", "交换"), ("days", "30")), who=ADMINS
    ),
    ("POST", "/users/{user_id}/deactivate"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("reason", "调离"), ("confirm", "yes")), who=ADMINS
    ),
    ("GET", f"{API}/users"): Expect(401, 403, 200, 200, who=ADMINS),
    ("POST", f"{API}/users"): Expect(401, 403, 403, 201, NEW_ACCOUNT, who=ADMINS),
    ("POST", f"{API}/users/{{user_id}}/deactivate"): Expect(401, 403, 404, 200, (("reason", "调离"),), who=ADMINS),
    # household plans, on a village-A case on the green channel (``plan_in_village_a``): a plan
    # with item I1 at version 1, except for the first measure, which is added to no plan yet
    ("GET", "/cases/{case_id}/plan"): Expect(LOGIN_PAGE, 403, 404, 200),
    ("POST", "/cases/{case_id}/plan/items"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("measure_id", "INDUSTRY_SUPPORT"), ("risk_code", "07"), ("expected_version", "0"))
    ),
    ("POST", "/cases/{case_id}/plan/items/{item_id}"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("amount", "2000"), ("reason", "县里核定"), ("expected_version", "1"))
    ),
    ("POST", "/cases/{case_id}/plan/items/{item_id}/status"): Expect(
        LOGIN_PAGE, 403, 404, 303, (("status", "in_progress"), ("expected_version", "1"))
    ),
    ("POST", "/cases/{case_id}/plan/reviews"): Expect(LOGIN_PAGE, 403, 404, 303, (("expected_version", "1"),)),
    ("GET", f"{API}/cases/{{case_id}}/plan"): Expect(401, 403, 404, 200),
    ("POST", f"{API}/cases/{{case_id}}/plan/items"): Expect(
        401, 403, 404, 201, body={"measure_id": "INDUSTRY_SUPPORT", "risk_codes": ["07"], "expected_version": 0}
    ),
    ("PATCH", f"{API}/cases/{{case_id}}/plan/items/{{item_id}}"): Expect(
        401, 403, 404, 200, body={"changes": {"amount_fen": 200_000}, "reason": "县里核定", "expected_version": 1}
    ),
    ("POST", f"{API}/cases/{{case_id}}/plan/items/{{item_id}}/status"): Expect(
        401, 403, 404, 200, body={"status": "in_progress", "expected_version": 1}
    ),
    ("POST", f"{API}/cases/{{case_id}}/plan/reviews"): Expect(401, 403, 404, 201, body={"expected_version": 1}),
}
WHO = {"no_role": "auditor", "other_village": "cadre_b", "permitted": "cadre_a"}


def app_routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route, inside included routers (no prefix) and mounted applications (the API)."""
    out: set[tuple[str, str]] = set()
    for r in routes:
        if isinstance(r, APIRoute):
            out |= {(m, r.path) for m in r.methods}
        elif hasattr(r, "original_router"):
            out |= app_routes(r.original_router.routes)
        elif isinstance(r, Mount):  # static files have no routes
            out |= {(m, r.path + path) for m, path in app_routes(r.routes)}
    return out


def attachment_in_village_a(county, tmp_path) -> str:
    """A PDF on village A's first case; the app's files are kept in the test's own folder."""
    county.settings.data_dir = tmp_path
    cadre = actor_of(county.engine, "cadre_a")
    pdf = io.BytesIO(b"%PDF-1.7\n%%EOF\n")
    return add_attachment(
        county.engine, county.settings, cadre, county.cases_a[0], "signed_consent", "a.pdf", pdf
    ).attachment_id


def helper_in_village_a(county) -> str:
    cadre = actor_of(county.engine, "cadre_a")
    helper = assign_helper(county.engine, county.households_a[0], cadre, helper_name="王帮扶", unit="乡农业站")
    return helper.assignment_id


def draft_in_village_a(county) -> None:
    save_draft(county.engine, county.cases_a[0], actor_of(county.engine, "cadre_a"), action="accept", reason="草稿")


def plan_in_village_a(county: County, *, with_item: bool) -> str:
    """A village-A case on the green channel (risks confirmed); with an item, its plan is at version 1 (I1)."""
    green = green_channel(county)
    if with_item:
        cadre = actor_of(county.engine, "cadre_a")
        plans.add_measure(county.engine, green.case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    return green.case_id


def test_every_route_is_in_the_matrix(county):
    assert app_routes(create_app(county.engine, county.settings).routes) == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_kind_of_visitor_as_the_matrix_says(county, route, tmp_path):
    method, template = route
    expect = MATRIX[route]
    ids = {"case_id": county.cases_a[0], "household_id": county.households_a[0], "village_code": county.village_a,
           "user_id": "cadre_b"}  # fmt: skip
    names = dict(zip(WHO, expect.who, strict=True)) if expect.who else WHO
    if expect.who:
        other_county(county)
    if "{attachment_id}" in template:
        ids["attachment_id"] = attachment_in_village_a(county, tmp_path)
    if template.endswith("/draft"):
        draft_in_village_a(county)
    if "{assignment_id}" in template:
        ids["assignment_id"] = helper_in_village_a(county)
    if "/plan" in template:
        ids["case_id"] = plan_in_village_a(county, with_item=not (method == "POST" and template.endswith("/items")))
        ids["item_id"] = "I1"
    path = (template + expect.query).format(**ids)
    got = {}
    for who in ("anonymous", *WHO):
        with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as client:
            data = {k: v.format(**ids) for k, v in expect.data}
            if template.startswith(API):
                user = names.get(who, "")
                admin = actor_of(county.engine, "admin_x" if user.endswith("_x") else "admin")
                token = create_api_token(county.engine, user, "matrix", by=admin) if who != "anonymous" else ""
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                body = expect.body if expect.body is not None else data if method in ("POST", "PUT") else None
                response = client.request(method, path, json=body, headers=headers)
                got[who] = response.status_code
                continue
            if who != "anonymous":
                data["csrf_token"] = login(client, names[who])
            response = client.request(method, path, data=data or None)
            got[who] = response.status_code
    assert got == {k: getattr(expect, k) for k in got}


# The plan routes by role. Writes send a stale plan version: a role that passes the permission
# and the scope gets 409 PLAN_VERSION, so nothing changes whoever asks first.
EDIT, READ, REFUSED, ELSEWHERE = "edit", "read", "refused", "elsewhere"
PLAN_ROLES = {"cadre_a": EDIT, "town_a": EDIT, "county": EDIT, "data": READ, "partner": REFUSED,
              "auditor": REFUSED, "admin": REFUSED, "cadre_b": ELSEWHERE, "county_x": ELSEWHERE}  # fmt: skip
STALE = "7"
PLAN_ROUTES: dict[tuple[str, str], Any] = {
    ("GET", "/cases/{case_id}/plan"): None,
    ("POST", "/cases/{case_id}/plan/items"): {"measure_id": "SKILLS_TRAINING", "risk_code": "07", "member": "1"},
    ("POST", "/cases/{case_id}/plan/items/I1"): {"amount": "2000", "reason": "县里核定"},
    ("POST", "/cases/{case_id}/plan/items/I1/status"): {"status": "in_progress"},
    ("POST", "/cases/{case_id}/plan/reviews"): {},
    ("GET", f"{API}/cases/{{case_id}}/plan"): None,
    ("POST", f"{API}/cases/{{case_id}}/plan/items"): {"measure_id": "SKILLS_TRAINING", "risk_codes": ["07"]},
    ("PATCH", f"{API}/cases/{{case_id}}/plan/items/I1"): {"changes": {"note": "x"}, "reason": "县里核定"},
    ("POST", f"{API}/cases/{{case_id}}/plan/items/I1/status"): {"status": "in_progress"},
    ("POST", f"{API}/cases/{{case_id}}/plan/reviews"): {},
}
EXPECTED = {  # (reading, writing) status by kind of role, for pages and the API alike
    EDIT: (200, 409),
    READ: (200, 403),
    REFUSED: (403, 403),
    ELSEWHERE: (404, 404),
}


def plan_accounts(county: County) -> None:
    """An assistance partner of the county, and an approver of another county (``county_x``), with passwords."""
    code = other_county(county)
    admin, admin_x = actor_of(county.engine, "admin"), actor_of(county.engine, "admin_x")
    add_user(county.engine, User("partner", "帮扶力量", Role.ASSISTANCE_PARTNER, county.village_a[:6] + "000000"),
             by=admin)  # fmt: skip
    add_user(county.engine, User("county_x", "外县审批", Role.COUNTY_APPROVER, code), by=admin_x)
    set_password(county.engine, "partner", PASSWORD, by=admin)
    set_password(county.engine, "county_x", PASSWORD, by=admin_x)


@pytest.mark.parametrize("route", sorted(PLAN_ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_plan_routes_answer_each_role_as_the_plan_permissions_say(county, route):
    method, template = route
    plan_accounts(county)
    case_id = plan_in_village_a(county, with_item=True)
    path = template.format(case_id=case_id)
    fields = PLAN_ROUTES[route]
    got, want = {}, {}
    for user, kind in PLAN_ROLES.items():
        want[user] = EXPECTED[kind][0 if method == "GET" else 1]
        with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as client:
            if template.startswith(API):
                admin = actor_of(county.engine, "admin_x" if user.endswith("_x") else "admin")
                headers = {"Authorization": f"Bearer {create_api_token(county.engine, user, 'matrix', by=admin)}"}
                body = None if fields is None else {**fields, "expected_version": int(STALE)}
                got[user] = client.request(method, path, json=body, headers=headers).status_code
            else:
                csrf = login(client, user)
                data = None if fields is None else {**fields, "expected_version": STALE, "csrf_token": csrf}
                if data and "member" in data:  # the member's masked ID as the page would carry it
                    view = plans.view_plan(county.engine, case_id, actor_of(county.engine, "cadre_a"))
                    data["member_check"] = next(iter(view.masked_ids.values()))
                got[user] = client.request(method, path, data=data).status_code
    assert got == want
