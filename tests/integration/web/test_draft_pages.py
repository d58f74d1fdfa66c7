"""保存草稿 on the case page: a half-filled visit form saved, restored for its author only, gone with the step."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import CHINA_TZ

from .conftest import login

TYPED = "户主住院两周，家中无劳动力；承诺书待儿子回家签字"


def visit_draft(**fields):
    return {"action": "submit_verification", "category": "marginal_at_risk", "risk_codes": ["01", "04"],
            "evidence": ["verification_form"], "reason": TYPED, **fields}  # fmt: skip


def accepted(client, case_id: str) -> str:
    csrf = login(client, "cadre_a")
    assert client.post(f"/cases/{case_id}/act", data={"action": "accept", "csrf_token": csrf}).status_code == 303
    return csrf


def form_of(page: str, title: str) -> str:
    """The HTML of the step form whose heading is ``title``."""
    start = page.index(f"<h3>{title}</h3>")
    return page[start : page.index("</form>", start)]


def drafts_stored(county) -> int:
    with county.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(t.visit_drafts)).scalar_one())


def test_a_half_filled_visit_form_is_saved_and_restored_for_its_author(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    assert app_client.post(f"/cases/{case_id}/draft", data=visit_draft()).status_code == 403  # no CSRF token
    saved = app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(), "csrf_token": csrf})
    assert saved.status_code == 303 and "/cases/" in saved.headers["location"]
    page = app_client.get(saved.headers["location"]).text
    now = dt.datetime.now(CHINA_TZ)
    shown = {f"{x:%H:%M}" for x in (now, now - dt.timedelta(minutes=1))}
    assert any(f"草稿已保存于 {hhmm}（北京时间）" in page for hhmm in shown)
    form = form_of(page, "提交入户核实")
    assert 'value="marginal_at_risk" selected' in form
    assert 'value="01" checked' in form and 'value="04" checked' in form and 'value="03" checked' not in form
    assert 'value="verification_form" checked' in form and 'value="signed_consent" checked' not in form
    assert TYPED in form
    assert 'formaction="/cases/' in form and "formnovalidate" in form  # the draft button skips required fields
    assert "style=" not in page and "<script" not in page and len(page.encode()) < 300_000
    assert login(app_client, "cadre_a") and TYPED in app_client.get(f"/cases/{case_id}").text  # a new session too


def test_a_draft_needs_no_required_field(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    data = {"action": "submit_verification", "csrf_token": csrf}  # no category, no code, no reason
    assert app_client.post(f"/cases/{case_id}/draft", data=data).status_code == 303
    assert drafts_stored(county) == 1


def test_another_caseworker_of_the_case_does_not_see_the_draft(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(), "csrf_token": csrf})
    login(app_client, "town_a")
    page = app_client.get(f"/cases/{case_id}").text
    assert "草稿已保存" not in page and TYPED not in page


def test_taking_the_step_removes_the_draft(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(), "csrf_token": csrf})
    refused = app_client.post(f"/cases/{case_id}/act", data={**visit_draft(), "csrf_token": csrf})
    assert refused.status_code == 422 and "草稿已保存于" in refused.text  # the consent is missing: the draft stays
    done = app_client.post(
        f"/cases/{case_id}/act",
        data={**visit_draft(evidence=["verification_form", "signed_consent"]), "csrf_token": csrf},
    )
    assert done.status_code == 303
    page = app_client.get(done.headers["location"]).text
    assert "信息比对" in page and "草稿" not in page.replace("保存草稿", "")
    assert drafts_stored(county) == 0


def test_the_discard_button_removes_the_draft(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(), "csrf_token": csrf})
    assert f'action="/cases/{case_id}/draft/discard"' in app_client.get(f"/cases/{case_id}").text
    gone = app_client.post(f"/cases/{case_id}/draft/discard", data={"csrf_token": csrf})
    assert gone.status_code == 303
    page = app_client.get(gone.headers["location"]).text
    assert "已放弃草稿" in page and TYPED not in page and drafts_stored(county) == 0


def test_a_draft_of_a_case_that_moved_on_is_shown_with_a_warning_and_not_applied(app_client, county):
    case_id = county.cases_a[0]
    csrf = login(app_client, "cadre_a")
    note = "电话未接通，明天再联系"
    data = {"action": "accept", "reason": note, "csrf_token": csrf}
    assert app_client.post(f"/cases/{case_id}/draft", data=data).status_code == 303
    town_csrf = login(app_client, "town_a")  # meanwhile the township accepts the lead itself
    accept = app_client.post(f"/cases/{case_id}/act", data={"action": "accept", "csrf_token": town_csrf})
    assert accept.status_code == 303
    login(app_client, "cadre_a")
    page = app_client.get(f"/cases/{case_id}").text
    assert "草稿未填入表单" in page and "“线索受理”" in page and "“入户核实”" in page
    assert note in page  # shown, so nothing typed is lost …
    assert note not in form_of(page, "提交入户核实")  # … but not put into the form of another step


def test_a_bad_value_is_named_and_the_rest_of_the_draft_is_saved(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    data = {**visit_draft(risk_codes=["01", "ZZ"]), "csrf_token": csrf}
    answer = app_client.post(f"/cases/{case_id}/draft", data=data)
    assert answer.status_code == 200 and "未知的风险类型代码：ZZ" in answer.text and "草稿已保存" in answer.text
    form = form_of(app_client.get(f"/cases/{case_id}").text, "提交入户核实")
    assert 'value="01" checked' in form and TYPED in form


def test_a_refused_draft_shows_everything_as_typed(app_client, county):
    case_id = county.cases_a[0]
    csrf = accepted(app_client, case_id)
    long_text = TYPED + "。" + "补" * 2000
    refused = app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(reason=long_text), "csrf_token": csrf})
    assert refused.status_code == 422 and "草稿未保存" in refused.text
    form = form_of(refused.text, "提交入户核实")
    assert long_text in form and 'value="04" checked' in form
    assert drafts_stored(county) == 0


def test_the_auditor_and_another_village_cannot_save_a_draft(app_client, county):
    case_id = county.cases_a[0]
    for user, status in (("auditor", 403), ("cadre_b", 404)):
        csrf = login(app_client, user)
        response = app_client.post(f"/cases/{case_id}/draft", data={**visit_draft(), "csrf_token": csrf})
        assert response.status_code == status and not re.search(TYPED, response.text)
    assert drafts_stored(county) == 0


def test_a_draft_of_a_step_taken_meanwhile_by_someone_else_is_refused_but_shown_as_typed(app_client, county):
    case_id = county.cases_a[0]
    town_csrf = login(app_client, "town_a")
    accept = app_client.post(f"/cases/{case_id}/act", data={"action": "accept", "csrf_token": town_csrf})
    assert accept.status_code == 303
    csrf = login(app_client, "cadre_a")  # the cadre's page still showed 受理线索
    note = "已电话联系户主，明早入户"
    refused = app_client.post(f"/cases/{case_id}/draft", data={"action": "accept", "reason": note, "csrf_token": csrf})
    assert refused.status_code == 422 and "草稿未保存" in refused.text and "没有“accept”这一步" in refused.text
    assert "以下内容未能保存" in refused.text and note in refused.text
    assert drafts_stored(county) == 0
