"""Follow-up visits (回访) in the browser's terms: the work queue, the due list, a visit from the case page, helpers.

Village C's household was eliminated on 2025-06-12 and never visited (``follow_up_support``):
its first visit was due on 2025-09-12, so it is overdue today.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from jingzhun.domain.cases import Actor
from jingzhun.domain.workflow import Role
from jingzhun.services.cases import act_on_case
from jingzhun.services.follow_up_reads import current_helpers
from jingzhun.services.follow_ups import assign_helper
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import login
from .follow_up_support import FIRST_DUE, eliminated_household, on_the_scenario_day  # noqa: F401

pytestmark = pytest.mark.usefixtures("on_the_scenario_day")  # "overdue" as on the scenario's day


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_overdue_visit_is_on_the_work_queue_and_recorded_from_the_case_page(app_client, county):
    e = eliminated_household(county)
    csrf = login(app_client, "cadre_c")
    home = app_client.get("/")
    assert '<h2 id="follow-ups">回访</h2>' in home.text and "回访逾期" in home.text
    assert f'<a href="/cases/{e.case_id}#follow-up">{e.household_id}</a>' in home.text
    assert str(FIRST_DUE) in home.text and "st-red" in home.text and "已逾期" in home.text
    assert not re.search(r"\d{17}[\dX]", home.text)  # ids and dates only: no ID number

    case = app_client.get(f"/cases/{e.case_id}")
    assert 'aria-label="记录回访"' in case.text and f"{FIRST_DUE} 前" in case.text and "未安排" in case.text
    assert "风险消除后尚无回访记录" in case.text

    # refused: a new risk without its risk types — everything typed comes back, the message beside the field
    typed = {"csrf_token": csrf, "visited_on": "2026-11-30", "finding": "new_risk", "note": "户主务工中断，收入下降"}
    refused = app_client.post(f"/cases/{e.case_id}/follow-ups", data=typed)
    assert refused.status_code == 422 and "未记录回访" in refused.text
    assert '<span class="field-error" role="alert">发现新风险时须选择疑似的风险类型</span>' in refused.text
    assert 'value="2026-11-30"' in refused.text and "户主务工中断，收入下降</textarea>" in refused.text
    assert 'value="new_risk" checked' in refused.text
    bad_day = app_client.post(f"/cases/{e.case_id}/follow-ups", data={**typed, "visited_on": "2026-13-01"})
    assert bad_day.status_code == 422 and "须写作 YYYY-MM-DD" in bad_day.text and 'value="2026-13-01"' in bad_day.text
    future = app_client.post(f"/cases/{e.case_id}/follow-ups", data={**typed, "visited_on": "2099-01-01",
                                                                     "risk_codes": ["01"]})  # fmt: skip
    assert future.status_code == 422 and "晚于今天" in future.text and 'value="01" checked' in future.text

    stable = {"csrf_token": csrf, "visited_on": "", "finding": "stable", "note": "务工收入稳定"}
    done = app_client.post(f"/cases/{e.case_id}/follow-ups", data=stable)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/cases/{e.case_id}?done=")
    back = app_client.get(done.headers["location"])
    assert "已记录回访（稳定，无新风险）" in back.text and "务工收入稳定" in back.text and "未到期" in back.text
    home = app_client.get("/")
    assert f"/cases/{e.case_id}#follow-up" not in home.text and "没有已逾期或即将到期的回访" in home.text


def test_a_new_risk_while_tracked_joins_the_case_and_after_detachment_opens_a_linked_new_case(app_client, county):
    e = eliminated_household(county)
    csrf = login(app_client, "cadre_c")
    risk = {"csrf_token": csrf, "finding": "new_risk", "risk_codes": ["01"], "note": "户主住院"}
    joined = app_client.post(f"/cases/{e.case_id}/follow-ups", data=risk)
    assert joined.status_code == 303 and f"lead={e.case_id}" in joined.headers["location"]
    assert "新风险线索已并入本案" in app_client.get(joined.headers["location"]).text

    approver = Actor("county", Role.COUNTY_APPROVER, e.village[:6] + "000000")
    detach_at = dt.datetime(2025, 12, 15, 2, tzinfo=dt.UTC)
    act_on_case(county.engine, e.case_id, "detach", approver, at=detach_at, evidence=["tracking_record"])
    reopened = app_client.post(f"/cases/{e.case_id}/follow-ups", data=risk)
    assert reopened.status_code == 303
    new_case = re.search(r"lead=([A-Za-z0-9]+)", reopened.headers["location"]).group(1)  # type: ignore[union-attr]
    assert new_case != e.case_id
    page = app_client.get(reopened.headers["location"]).text
    assert f'已新立案件 <a href="/cases/{new_case}">{new_case}</a>，接续本案重新识别' in page
    # the household is followed by its new case now: no next visit, no visit form on the old one
    assert f'本户已新立案件 <a href="/cases/{new_case}">{new_case}</a>，按程序跟进，不再回访' in page
    assert 'aria-label="记录回访"' not in page and "2025-06-12 · 跟踪期满已脱钩" in page
    forged = app_client.get(f"/cases/{e.case_id}", params={"done": "x", "lead": '"><script>'}).text
    assert "<script>" not in forged  # a lead that is no case id is not shown as a link


def test_the_due_list_filters_overdue_and_the_helpers_own_and_is_scoped(app_client, county):
    e = eliminated_household(county)
    cadre = actor_of(county.engine, "cadre_c")
    assign_helper(county.engine, e.household_id, cadre, helper_name="李帮扶", unit="县农业农村局",
                  helper_user_id="helper_c")  # fmt: skip
    login(app_client, "helper_c")
    mine = app_client.get("/follow-ups", params={"mine": "1"})
    assert mine.status_code == 200 and "只看我联系的户" in mine.text
    assert f'<a href="/cases/{e.case_id}#follow-up">{e.household_id}</a>' in mine.text and "我联系" in mine.text
    assert "李帮扶" in mine.text and 'class="badge st-red">已逾期' in mine.text
    assert "我联系</span>" in app_client.get("/").text
    with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as other:
        login(other, "cadre_c")
        assert e.case_id not in other.get("/follow-ups", params={"mine": "1"}).text  # not cadre_c's own
        assert e.case_id in other.get("/follow-ups", params={"overdue": "1"}).text
    with TestClient(create_app(county.engine, county.settings), follow_redirects=False) as other:
        login(other, "cadre_a")
        assert e.case_id not in other.get("/follow-ups").text  # another village's
        assert "没有应回访的户" in other.get("/follow-ups").text


def test_the_household_page_assigns_and_ends_helpers_keeping_what_was_typed(app_client, county):
    e = eliminated_household(county)
    csrf = login(app_client, "cadre_c")
    page = app_client.get(f"/households/{e.household_id}")
    assert '<h2 id="helpers">帮扶联系人</h2>' in page.text and "尚未安排帮扶联系人" in page.text
    path = f"/households/{e.household_id}/helpers"
    refused = app_client.post(path, data={"csrf_token": csrf, "helper_name": "李帮扶", "unit": " "})
    assert refused.status_code == 422 and 'value="李帮扶"' in refused.text
    assert '<span class="field-error" role="alert">请填写帮扶联系人姓名和帮扶单位</span>' in refused.text
    nobody = app_client.post(path, data={"csrf_token": csrf, "helper_name": "李帮扶", "unit": "县农业农村局",
                                         "helper_user_id": "nobody"})  # fmt: skip
    assert nobody.status_code == 422 and "没有在用的账号 nobody" in nobody.text and 'value="nobody"' in nobody.text
    done = app_client.post(path, data={"csrf_token": csrf, "helper_name": "李帮扶", "unit": "县农业农村局",
                                       "helper_user_id": "helper_c"})  # fmt: skip
    assert done.status_code == 303
    shown = app_client.get(done.headers["location"]).text
    assert "已安排帮扶联系人 李帮扶（县农业农村局）" in shown and "<h3>李帮扶</h3>" in shown

    (helper,) = current_helpers(county.engine, e.household_id, actor_of(county.engine, "cadre_c"))
    end = f"/households/{e.household_id}/helpers/{helper.assignment_id}/end"
    no_reason = app_client.post(end, data={"csrf_token": csrf, "reason": " "})
    assert no_reason.status_code == 422 and "调整帮扶联系人须写明理由" in no_reason.text
    elsewhere = f"/households/{county.households_a[0]}/helpers/{helper.assignment_id}/end"
    assert app_client.post(elsewhere, data={"csrf_token": csrf, "reason": "调离"}).status_code == 404
    ended = app_client.post(end, data={"csrf_token": csrf, "reason": "调离"})
    assert ended.status_code == 303 and "已结束 李帮扶 的帮扶联系" in app_client.get(ended.headers["location"]).text
    assert current_helpers(county.engine, e.household_id, actor_of(county.engine, "cadre_c")) == []


def test_a_case_not_eliminated_has_no_visit_form_and_a_visit_to_it_is_refused(app_client, county):
    csrf = login(app_client, "cadre_a")
    case_id = county.cases_a[0]
    assert 'aria-label="记录回访"' not in app_client.get(f"/cases/{case_id}").text
    refused = app_client.post(f"/cases/{case_id}/follow-ups",
                              data={"csrf_token": csrf, "finding": "stable", "note": "走访"})  # fmt: skip
    assert refused.status_code == 422 and "不需要回访" in refused.text and "以下回访内容未保存" in refused.text
