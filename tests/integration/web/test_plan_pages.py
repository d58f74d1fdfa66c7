"""The plan page (一户一策) over a real store: add from a recommendation, refusals that keep what was typed,
a stale form refused with a clear message, the lifecycle, the effect review, the history, the household page.

A village-A case goes through the green channel and the visit (risks 07 and 01 confirmed) through
the services (``green_channel``); everything else is done through the pages, as a cadre would.
"""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import escape
from sqlalchemy import select

from jingzhun.adapters.db import tables as t
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.services import plans
from jingzhun.services.users import actor_of

from .conftest import GreenCase, green_channel, login

FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
TAG = re.compile(r"<[^>]+>")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub(" ", html))


def section(page: str, element_id: str) -> str:
    """The HTML of the element with ``id`` up to the next section (a form, an item, an option)."""
    start = page.index(f'id="{element_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def credit_form(county, green: GreenCase) -> tuple[str, dict[str, str]]:
    """The id of the 加入计划 form of micro-credit for the adult, and its hidden fields."""
    view = plans.view_plan(county.engine, green.case_id, actor_of(county.engine, "cadre_a"))
    number = list(view.member_names).index(green.adult) + 1
    return f"add-MICRO_CREDIT-07-{number}", {
        "measure_id": "MICRO_CREDIT", "risk_code": "07", "member": str(number),
        "member_check": view.masked_ids[green.adult], "expected_version": "0",
    }  # fmt: skip


def stored_items(county) -> list[tuple[str, str, int | None]]:
    with county.engine.connect() as c:
        return [
            (r.item_id, r.status, r.amount_fen)
            for r in c.execute(select(t.plan_items).order_by(t.plan_items.c.item_id))
        ]


def test_a_cadre_adds_micro_credit_for_an_adult_from_the_recommendation_and_the_plan_records_it(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    assert f'href="/cases/{green.case_id}/plan"' in app_client.get(f"/cases/{green.case_id}").text
    page = app_client.get(f"/cases/{green.case_id}/plan")
    assert page.status_code == 200
    form_id, hidden = credit_form(county, green)
    option = section(page.text, form_id)
    masked = hidden["member_check"]
    assert green.adult_name in option and masked in option and "加入计划" in option
    assert "借款人年龄" in option and "上限 50,000 元" in option  # the reason and the cap
    assert not FULL_ID.search(page.text) and green.adult not in page.text  # the member is named by number
    assert 'class="badge st-red">未满足' in page.text  # the development floor: nothing running yet
    assert "style=" not in page.text and "<script" not in page.text

    typed = {"amount": "30,000", "term_months": "36", "start": "2026-12-10", "end": "2029-12-09",
             "note": "养牛 5 头", "reason": "发展养殖"}  # fmt: skip
    done = app_client.post(f"/cases/{green.case_id}/plan/items", data={**hidden, **typed, "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"].endswith("#I1")
    assert stored_items(county) == [("I1", "planned", 3_000_000)]
    page = app_client.get(done.headers["location"]).text
    item = text_of(section(page, "I1"))
    for shown in ("I1 脱贫人口小额信贷", "计划", green.adult_name, masked, "07 因务工就业不稳", "30,000.00 元",
                  "36 个月", "2026-12-10", "2029-12-09", "金融机构", "财政贴息", "养牛 5 头"):  # fmt: skip
        assert shown in item, shown
    assert f'id="{form_id}"' not in page  # not offered twice
    history = text_of(page[page.index("计划版本</h2>") :])
    now = dt.datetime.now(CHINA_TZ)
    assert "第 1 版" in history and "cadre_a" in history and "村干部/帮扶联系人" in history
    assert "发展养殖" in history and "新增 I1 脱贫人口小额信贷" in history
    assert any(f"{x:%Y-%m-%d %H:%M}" in history for x in (now, now - dt.timedelta(minutes=1)))
    assert 'name="expected_version" value="1"' in page


def test_a_refused_add_shows_the_reason_beside_the_form_and_keeps_everything_typed(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    form_id, hidden = credit_form(county, green)
    url = f"/cases/{green.case_id}/plan/items"
    typed = {"term_months": "24", "note": "想买两头牛", "reason": "发展养殖", "csrf_token": csrf}

    over = app_client.post(url, data={**hidden, **typed, "amount": "60000"})
    assert over.status_code == 422
    form = section(over.text, form_id)
    assert "<details open>" in over.text[over.text.index(f'id="{form_id}"') :][:4000]
    assert "超过上限 50,000 元" in form and 'value="60000"' in form and 'value="24"' in form
    assert "想买两头牛" in form and 'value="发展养殖"' in form

    bad = app_client.post(url, data={**hidden, **typed, "amount": "3万"})
    assert bad.status_code == 422
    form = section(bad.text, form_id)
    assert 'class="field-error"' in form and "不是数字" in form and 'value="3万"' in form

    term = app_client.post(url, data={**hidden, **typed, "amount": "30000", "term_months": "37"})
    assert term.status_code == 422 and "超过上限 36 个月" in section(term.text, form_id)

    date = app_client.post(url, data={**hidden, **typed, "start": "2026/12/01"})
    assert date.status_code == 422 and "YYYY-MM-DD" in section(date.text, form_id)
    assert stored_items(county) == []  # nothing was added by any of them


def test_an_ineligible_member_is_refused_with_the_condition_not_met(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    view = plans.view_plan(county.engine, green.case_id, actor_of(county.engine, "cadre_a"))
    offered = {o.person_id for r in view.recommendations for o in r.options if o.measure.measure_id == "MICRO_CREDIT"}
    others = [(n, pid) for n, pid in enumerate(view.member_names, 1) if pid not in offered]
    assert others, "the household has a member micro-credit is not offered to"
    number, pid = others[0]
    data = {"measure_id": "MICRO_CREDIT", "risk_code": "07", "member": str(number), "amount": "10000",
            "member_check": view.masked_ids[pid], "expected_version": "0", "csrf_token": csrf}  # fmt: skip
    refused = app_client.post(f"/cases/{green.case_id}/plan/items", data=data)
    assert refused.status_code == 422
    assert "不符合" in refused.text and "以下内容未保存" in refused.text and "10000" in text_of(refused.text)
    assert stored_items(county) == []


def test_a_form_drawn_before_someone_else_changed_the_plan_is_refused_not_an_overwrite(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    cadre, town = actor_of(county.engine, "cadre_a"), actor_of(county.engine, "town_a")
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    drawn = app_client.get(f"/cases/{green.case_id}/plan").text  # forms of version 1
    assert 'name="expected_version" value="1"' in drawn
    plans.change_measure(county.engine, green.case_id, town, "I1", reason="县里核定", amount_fen=250_000)  # → v2

    mine = {"amount": "1,800", "reason": "按实际采购", "expected_version": "1", "csrf_token": csrf}
    stale = app_client.post(f"/cases/{green.case_id}/plan/items/I1", data=mine)
    assert stale.status_code == 409
    text = text_of(stale.text)
    assert "帮扶计划已被他人修改（您的表单是第 1 版，现在是第 2 版）" in text and "本次填写未保存" in text
    assert "以下内容未保存" in text and "按实际采购" in text and "1,800" in text  # what was typed, listed apart
    assert 'value="2,500.00"' in section(stale.text, "I1")  # the form holds the other change, not the stale one
    assert stored_items(county) == [("I1", "planned", 250_000)]

    form_id, hidden = credit_form(county, green)
    added = app_client.post(
        f"/cases/{green.case_id}/plan/items",
        data={**hidden, "expected_version": "1", "amount": "20000", "reason": "发展养殖", "csrf_token": csrf},
    )
    assert added.status_code == 409 and "现在是第 2 版" in added.text
    form = section(added.text, form_id)  # an addition overwrites nothing: kept in its form, now of version 2
    assert 'value="20000"' in form and 'name="expected_version" value="2"' in form
    assert stored_items(county) == [("I1", "planned", 250_000)]


def test_an_item_moves_through_its_lifecycle_and_a_cancellation_needs_a_reason(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    cadre = actor_of(county.engine, "cadre_a")
    page = app_client.get(f"/cases/{green.case_id}/plan").text
    floor = text_of(page[page.index("底线检查") : page.index('id="effect"')])
    assert "未满足 有劳动能力的监测户至少落实一项产业或就业帮扶： 尚无产业或就业帮扶措施" in floor
    assert "不适用 整户无劳动能力的户纳入低保或特困兜底" in floor
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    page = app_client.get(f"/cases/{green.case_id}/plan").text
    floor = text_of(page[page.index("底线检查") : page.index('id="effect"')])
    assert "满足 有劳动能力的监测户至少落实一项产业或就业帮扶： 已有开发式帮扶措施" in floor
    assert 'class="badge st-green">满足' in page and 'class="badge st-red">未满足' not in page
    assert 'value="in_progress">开始实施' in section(page, "I1") and "已落实" not in section(page, "I1")
    url = f"/cases/{green.case_id}/plan/items/I1/status"

    started = app_client.post(url, data={"status": "in_progress", "expected_version": "1", "csrf_token": csrf})
    assert started.status_code == 303
    page = app_client.get(started.headers["location"]).text
    item = text_of(section(page, "I1"))
    today = dt.datetime.now(CHINA_TZ).date().isoformat()
    assert "实施中" in item and f"开始 {today}" in item and "已落实" in item

    unexplained = app_client.post(url, data={"status": "cancelled", "expected_version": "2", "csrf_token": csrf})
    assert unexplained.status_code == 422 and "取消措施须写明理由" in section(unexplained.text, "I1")
    future = app_client.post(url, data={"status": "delivered", "on": "2099-01-01", "expected_version": "2",
                                        "csrf_token": csrf})  # fmt: skip
    assert future.status_code == 422 and "晚于今天" in future.text
    cancelled = app_client.post(url, data={"status": "cancelled", "reason": "户主外出务工", "expected_version": "2",
                                           "csrf_token": csrf})  # fmt: skip
    assert cancelled.status_code == 303 and stored_items(county)[0][1] == "cancelled"
    page = app_client.get(cancelled.headers["location"]).text
    assert "已取消" in section(page, "I1") and 'aria-label="I1 进度"' not in page and "调整 I1" not in page
    assert "户主外出务工" in text_of(page[page.index("计划版本</h2>") :])


def test_a_step_records_the_amount_actually_granted_and_an_amount_over_the_cap_is_refused_beside_the_form(
    app_client, county
):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    _, hidden = credit_form(county, green)
    typed = {"amount": "50000", "term_months": "36", "reason": "发展养殖"}
    assert app_client.post(f"/cases/{green.case_id}/plan/items", data={**hidden, **typed, "csrf_token": csrf}
                           ).status_code == 303  # fmt: skip
    url = f"/cases/{green.case_id}/plan/items/I1/status"
    step = {"status": "in_progress", "expected_version": "1", "csrf_token": csrf}
    over = app_client.post(url, data={**step, "amount": "60,000"})
    assert over.status_code == 422 and "超过上限 50,000 元" in section(over.text, "I1")
    assert 'name="amount" inputmode="decimal" maxlength="20" value="60,000"' in section(over.text, "I1")
    bad = app_client.post(url, data={**step, "amount": "三万"})
    assert bad.status_code == 422 and stored_items(county) == [("I1", "planned", 5_000_000)]
    granted = app_client.post(url, data={**step, "amount": "30,000.50"})
    assert granted.status_code == 303 and stored_items(county) == [("I1", "in_progress", 3_000_050)]
    page = app_client.get(granted.headers["location"]).text
    assert "30,000.50 元" in text_of(section(page, "I1"))
    assert "I1 金额：50,000 元 → 30,000.50 元" in text_of(page[page.index("计划版本</h2>") :])


def test_an_effect_review_is_recorded_with_its_verdict_and_the_proposal_to_stack_the_safety_net(app_client, county):
    green = green_channel(county)
    csrf = login(app_client, "cadre_a")
    cadre = actor_of(county.engine, "cadre_a")
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="MICRO_CREDIT", person_id=green.adult,
                      risk_codes=["07"], amount_fen=3_000_000)  # fmt: skip
    plans.move_measure(county.engine, green.case_id, cadre, "I1", plans.ItemStatus.IN_PROGRESS)
    reviewed = app_client.post(
        f"/cases/{green.case_id}/plan/reviews", data={"note": "季度回访", "expected_version": "2", "csrf_token": csrf}
    )
    assert reviewed.status_code == 303 and reviewed.headers["location"].endswith("#effect")
    page = app_client.get(reviewed.headers["location"]).text
    view = plans.view_plan(county.engine, green.case_id, cadre)
    effect = view.effect
    assert effect is not None and view.plan is not None
    shown = text_of(page[page.index('id="effect"') : page.index("推荐措施</h2>")])
    assert effect.verdict.label in shown and "上次成效复核" in shown and "季度回访" in shown
    if effect.per_capita_fen is not None:
        assert (
            f"人均纯收入 {effect.per_capita_fen / 100:,.0f} 元 / 监测标准 {effect.threshold_fen / 100:,.0f} 元" in shown
        )
    for finding in effect.findings:
        assert str(escape(finding)) in page
    assert ("建议叠加兜底保障" in shown) == effect.stack_safety_net
    assert view.plan.reviews[-1].note == "季度回访" and view.plan.version == 3
    assert f"成效复核：{effect.verdict.label}" in text_of(page[page.index("计划版本</h2>") :])


def test_the_household_page_shows_the_plan_of_its_open_case(app_client, county):
    green = green_channel(county)
    login(app_client, "cadre_a")
    cadre = actor_of(county.engine, "cadre_a")
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="MICRO_CREDIT", person_id=green.adult,
                      risk_codes=["07"], amount_fen=3_000_000, start=dt.date(2026, 12, 10))  # fmt: skip
    page = app_client.get(f"/households/{green.household_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "帮扶计划（一户一策）" in text and f'href="/cases/{green.case_id}/plan"' in page.text
    for shown in ("脱贫人口小额信贷", "计划", "30,000.00", "2026-12-10", "金融机构", "金融机构贷款", green.adult_name):
        assert shown in text, shown
    assert green.adult not in page.text
    other = county.households_a[-1]
    if other != green.household_id:  # a household whose case allows no measures yet: no plan, a link
        assert "尚未制定" in text_of(app_client.get(f"/households/{other}").text)


def test_the_data_officer_reads_the_plan_but_is_given_no_forms_and_may_not_post(app_client, county):
    green = green_channel(county)
    plans.add_measure(county.engine, green.case_id, actor_of(county.engine, "cadre_a"),
                      measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])  # fmt: skip
    csrf = login(app_client, "data")
    page = app_client.get(f"/cases/{green.case_id}/plan")
    assert page.status_code == 200 and "产业帮扶" in page.text and "推荐措施" in page.text
    assert "/plan/items" not in page.text and "/plan/reviews" not in page.text
    refused = app_client.post(
        f"/cases/{green.case_id}/plan/reviews", data={"expected_version": "1", "csrf_token": csrf}
    )
    assert refused.status_code == 403


def test_a_case_not_yet_identified_shows_why_it_has_no_recommendations(app_client, county):
    case_id = county.cases_a[0]
    csrf = login(app_client, "cadre_a")
    page = app_client.get(f"/cases/{case_id}/plan")
    assert page.status_code == 200 and "还不能制定帮扶措施" in page.text and "加入计划" not in page.text
    posted = app_client.post(f"/cases/{case_id}/plan/items", data={
        "measure_id": "INDUSTRY_SUPPORT", "risk_code": "07", "expected_version": "0", "csrf_token": csrf})  # fmt: skip
    assert posted.status_code == 422 and "案件尚未审批纳入" in posted.text
    assert app_client.post(f"/cases/{case_id}/plan/reviews", data={"expected_version": "0"}).status_code == 403
