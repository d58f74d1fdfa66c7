"""A NUL in any text of a page's form is refused (422, the page says why) before anything is stored.

The pages' forms pass the CSRF check in one dependency (``web.deps.checked_session``), which also
refuses U+0000 in every text field, as the API's ``FreeText`` does for JSON: PostgreSQL cannot
store it, and in a case's JSON document it would be an invisible character on notices and exports.
The posts here are otherwise valid (the same post without the NUL is accepted), so each 422 is the NUL's.
"""

from __future__ import annotations

from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t

from .conftest import County, login

NUL = "走访\x00记录"


def stored(county: County) -> tuple[object, ...]:
    """What the posts could change: the cases' versions, helper assignments and accounts."""
    with county.engine.connect() as c:
        versions = tuple(c.execute(select(t.cases.c.case_id, t.cases.c.version).order_by(t.cases.c.case_id)).all())
        helpers = c.execute(select(func.count()).select_from(t.helper_assignments)).scalar_one()
        active = c.execute(select(func.count()).select_from(t.users).where(t.users.c.active)).scalar_one()
    return versions, helpers, active


def test_a_nul_in_a_form_is_refused_with_the_field_named_and_nothing_is_stored(app_client, county):
    csrf = login(app_client, "cadre_a")
    case, household = county.cases_a[0], county.households_a[0]
    posts = [
        (f"/cases/{case}/act", {"action": "accept", "reason": NUL}, "reason"),
        (f"/households/{household}/helpers", {"helper_name": NUL, "unit": "县农业农村局"}, "helper_name"),
        (f"/households/{household}/helpers", {"helper_name": "李帮扶", "unit": NUL}, "unit"),
    ]
    before = stored(county)
    for path, data, field in posts:
        refused = app_client.post(path, data={**data, "csrf_token": csrf})
        assert refused.status_code == 422, (path, refused.status_code)
        assert "不可见的控制字符" in refused.text and f"字段 {field}" in refused.text
    assert stored(county) == before
    for path, data, _ in posts[:2]:  # the same posts without the NUL go through
        clean = {k: v.replace("\x00", "") for k, v in data.items()}
        assert app_client.post(path, data={**clean, "csrf_token": csrf}).status_code in (200, 303)
    assert stored(county) != before


def test_the_administrators_forms_are_guarded_alike(app_client, county):
    csrf = login(app_client, "admin")
    before = stored(county)
    refused = app_client.post("/users/cadre_b/deactivate", data={"reason": NUL, "csrf_token": csrf})
    assert refused.status_code == 422 and "字段 reason" in refused.text
    assert stored(county) == before
