"""The case aggregate under the shipped national identification procedure: lawful order, four eyes,
evidence, the public notice, one open case per household, and a complete record of every change."""

import copy
import dataclasses
import datetime as dt

import pytest

from jingzhun.adapters.calendar_cn import WeekendCalendar
from jingzhun.domain.cases import Actor, Case, CaseBook, Channel, Lead, Objection, open_case_for
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import DeadlineStatus, local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, WorkflowDefinition
from jingzhun.policy.workflow_schema import load_workflow

WF = load_workflow("identification")
ELIM = load_workflow("elimination")
CADRE = Actor("c1", Role.VILLAGE_CADRE, "532328101201")
CADRE2 = Actor("c2", Role.VILLAGE_CADRE, "532328101201")
DATA = Actor("d1", Role.DEPARTMENT_DATA_OFFICER, "532328")
TOWN = Actor("t1", Role.TOWNSHIP_REVIEWER, "532328101")
COUNTY = Actor("k1", Role.COUNTY_APPROVER, "532328")
CAT = MonitoringCategory.MARGINAL_AT_RISK
T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)  # Monday 09:00 in China


def day(n, hour=2):
    """``n`` days after Monday 2025-03-03, at ``hour`` UTC (``hour`` + 8 in China)."""
    return dt.datetime(2025, 3, 3, hour, tzinfo=dt.UTC) + dt.timedelta(days=n)


def lead(lead_id="L1", household="H1", at=T0, **kw):
    return Lead(lead_id, household, Channel.SELF_DECLARATION, at, source="12317 热线", **kw)


def step(case, action, actor, at, wf=WF, **kw):
    rule = wf.rule(action, case.state)
    kw.setdefault("evidence", rule.evidence if rule else ())
    if rule is not None and rule.needs_reason:
        kw.setdefault("reason", "理由")
    if rule is not None and rule.sets_codes:
        kw.setdefault("category", CAT)
        kw.setdefault("risk_codes", ["01"])
    return case.act(wf, action, actor, at, **kw)


def to_publicity(case):
    step(case, "accept", CADRE, day(0, 3))
    step(case, "submit_verification", CADRE, day(1))
    step(case, "complete_comparison", DATA, day(2))
    step(case, "pass_village_review", CADRE, day(3))  # posted 03-06
    return case


def approved(case):
    to_publicity(case)
    step(case, "close_publicity", CADRE, day(8))  # 03-06..03-10 was the notice; 03-11 the first day after
    step(case, "approve", TOWN, day(9))
    step(case, "approve", COUNTY, day(10))
    step(case, "register", TOWN, day(11))
    return case


def error(fn, *args, **kw):
    with pytest.raises(DomainError) as e:
        fn(*args, **kw)
    return e.value.code


def new_case():
    return Case.open("C1", WF, [lead()])


def test_a_case_goes_from_lead_to_monitoring_step_by_step():
    case = approved(new_case())
    assert case.state == "monitoring" and not case.closed
    assert [t.target for t in case.history] == list(WF.path)
    assert (case.category, case.risk_codes) == (CAT, ("01",))
    first = case.history[0]
    assert (first.source, first.target, first.actor_id, first.actor_role) == (
        "lead",
        "verifying",
        "c1",
        Role.VILLAGE_CADRE,
    )
    assert all(t.at.tzinfo is dt.UTC for t in case.history)
    assert [t.seq for t in case.history] == list(range(1, len(case.history) + 1))


def test_the_final_decision_records_the_policy_version():
    decision = approved(new_case()).decision()
    assert decision is not None and decision.target == "announced" and decision.actor_id == "k1"
    assert (decision.policy_id, decision.policy_version) == ("identification", WF.version)
    assert decision.policy_hash == WF.content_hash and len(decision.policy_hash) == 64


def test_each_transition_records_jurisdiction_evidence_and_reason():
    case = to_publicity(new_case())
    visit = case.history[1]
    assert visit.jurisdiction == "532328101201"
    assert visit.evidence == ("verification_form", "signed_consent")
    assert (visit.category, visit.risk_codes) == (CAT, ("01",))
    step(case, "return", CADRE, day(4), reason="评议认为收入数据不全")
    assert case.history[-1].reason == "评议认为收入数据不全"


def test_an_action_not_defined_from_this_state_is_refused():
    assert error(step, new_case(), "approve", COUNTY, day(1)) == "WORKFLOW_NOT_ALLOWED"


def test_a_role_not_named_for_the_action_is_refused():
    assert error(step, new_case(), "accept", COUNTY, day(1)) == "ROLE_NOT_ALLOWED"
    assert error(step, new_case(), "accept", Actor("a", Role.AUDITOR, "53"), day(1)) == "ROLE_NOT_ALLOWED"


def test_the_household_visit_needs_the_signed_consent():
    case = new_case()
    step(case, "accept", CADRE, day(0, 3))
    assert error(step, case, "submit_verification", CADRE, day(1), evidence=["verification_form"]) == "EVIDENCE_MISSING"


def test_the_visit_confirms_or_corrects_the_suggested_codes():
    case = Case.open(
        "C1", WF, [lead(suggested_category=MonitoringCategory.SUDDEN_HARDSHIP, suggested_risk_codes=("05",))]
    )
    assert (case.category, case.risk_codes) == (MonitoringCategory.SUDDEN_HARDSHIP, ("05",))
    step(case, "accept", CADRE, day(0, 3))
    assert error(step, case, "submit_verification", CADRE, day(1), risk_codes=["01", "03", "04", "05", "06", "07"]) == (
        "RISK_CODES_LIMIT"
    )
    step(case, "submit_verification", CADRE, day(1), category=CAT, risk_codes=["01", "09"])
    assert (case.category, case.risk_codes) == (CAT, ("01", "09"))
    case.merge(lead("L2", suggested_risk_codes=("03",)), WF)  # after the visit, suggestions no longer change codes
    assert case.risk_codes == ("01", "09")


def test_codes_cannot_be_changed_at_a_review_step():
    case = to_publicity(new_case())
    step(case, "close_publicity", CADRE, day(8))
    assert error(step, case, "approve", TOWN, day(9), category=CAT, risk_codes=["99"]) == "CODES_NOT_ALLOWED"


class TestSelfApproval:
    def test_the_cadre_who_submitted_cannot_review_in_another_role(self):
        case = to_publicity(new_case())
        step(case, "close_publicity", CADRE, day(8))
        same_person = Actor("c1", Role.TOWNSHIP_REVIEWER, "532328101")
        assert error(step, case, "approve", same_person, day(9)) == "SELF_APPROVAL"

    def test_the_township_reviewer_cannot_also_approve_at_county(self):
        case = to_publicity(new_case())
        step(case, "close_publicity", CADRE, day(8))
        step(case, "approve", TOWN, day(9))
        assert error(step, case, "approve", Actor("t1", Role.COUNTY_APPROVER, "532328"), day(10)) == "SELF_APPROVAL"

    def test_rejecting_and_returning_are_reviews_too(self):
        case = to_publicity(new_case())
        step(case, "close_publicity", CADRE, day(8))
        same_person = Actor("c1", Role.TOWNSHIP_REVIEWER, "532328101")
        assert error(step, case, "reject", same_person, day(9)) == "SELF_APPROVAL"
        assert error(step, case, "return", same_person, day(9)) == "SELF_APPROVAL"

    def test_a_new_pass_after_a_return_starts_a_new_count(self):
        case = to_publicity(new_case())
        step(case, "close_publicity", CADRE, day(8))
        step(case, "return", TOWN, day(9))
        step(case, "resubmit", CADRE2, day(10))
        assert [t.actor_id for t in case.current_pass(WF)] == ["c2"]
        # the cadre of the first pass may review the second one: they did not submit it
        step(case, "submit_verification", CADRE2, day(11))
        step(case, "complete_comparison", DATA, day(12))
        step(case, "pass_village_review", CADRE2, day(13))
        step(case, "close_publicity", CADRE2, day(18))
        step(case, "approve", Actor("c1", Role.TOWNSHIP_REVIEWER, "532328101"), day(19))
        assert case.state == "county_approval"


class TestNotice:
    def test_the_notice_must_run_five_days_counting_the_posting_day(self):
        case = to_publicity(new_case())
        assert error(step, case, "close_publicity", CADRE, day(7, 15)) == "NOTICE_PERIOD"  # 03-10 23:00 in China
        step(case, "close_publicity", CADRE, day(7, 16))  # 03-11 00:00 in China
        assert case.state == "township_review"

    def test_the_message_says_when_the_notice_ends(self):
        case = to_publicity(new_case())
        with pytest.raises(DomainError) as e:
            step(case, "close_publicity", CADRE, day(5))
        assert "2025-03-10" in e.value.message and "2025-03-11" in e.value.message

    def test_an_open_objection_blocks_the_township_review(self):
        case = to_publicity(new_case())
        case.raise_objection(WF, "O1", "该户有商品房", CADRE, day(4))
        assert error(step, case, "close_publicity", CADRE, day(8)) == "OBJECTION_OPEN"
        case.answer_objection(WF, "O1", "经核实为父母名下，已分户", upheld=False, actor=TOWN, at=day(8))
        step(case, "close_publicity", CADRE, day(8, 3))
        assert case.objections[0].answered_by == "t1" and not case.objections[0].is_open

    def test_an_upheld_objection_leads_back_or_out_not_forward(self):
        case = to_publicity(new_case())
        case.raise_objection(WF, "O1", "该户有经营性车辆", CADRE, day(4))
        case.answer_objection(WF, "O1", "经核实属实", upheld=True, actor=TOWN, at=day(5))
        assert error(step, case, "close_publicity", CADRE, day(8)) == "OBJECTION_UPHELD"
        step(case, "reject", TOWN, day(8), evidence=["rejection_notice"], reason="异议成立")
        assert case.state == "rejected" and case.closed

    def test_objections_only_during_the_notice_and_by_named_roles(self):
        case = new_case()
        assert error(case.raise_objection, WF, "O1", "异议", CADRE, day(1)) == "WORKFLOW_NOT_ALLOWED"
        to_publicity(case)
        assert error(case.raise_objection, WF, "O1", "异议", DATA, day(4)) == "ROLE_NOT_ALLOWED"
        assert (
            error(case.answer_objection, WF, "O9", "答复", upheld=False, actor=TOWN, at=day(4)) == "OBJECTION_INVALID"
        )

    def test_objections_of_an_earlier_notice_do_not_block_a_later_one(self):
        case = to_publicity(new_case())
        case.raise_objection(WF, "O1", "异议", CADRE, day(4))
        case.answer_objection(WF, "O1", "成立", upheld=True, actor=TOWN, at=day(5))
        step(case, "return", TOWN, day(5, 3))
        step(case, "resubmit", CADRE2, day(6))
        step(case, "submit_verification", CADRE2, day(7))
        step(case, "complete_comparison", DATA, day(8))
        step(case, "pass_village_review", CADRE2, day(9))
        step(case, "close_publicity", CADRE2, day(14))
        assert case.state == "township_review"

    def test_an_objection_belongs_to_its_notice_even_when_steps_share_one_instant(self):
        # a return and the re-posting on the same minute as the upheld objection: time cannot tell
        # the two notices apart, the seq of the posting can
        case = to_publicity(new_case())
        t = day(4)
        case.raise_objection(WF, "O1", "异议", CADRE, t)
        case.answer_objection(WF, "O1", "成立", upheld=True, actor=TOWN, at=t)
        for action, actor in [("return", TOWN), ("resubmit", CADRE2), ("submit_verification", CADRE2),
                              ("complete_comparison", DATA), ("pass_village_review", CADRE2)]:  # fmt: skip
            step(case, action, actor, t)
        assert case.objections[0].notice_seq == 4 and case.history[-1].seq == 9
        step(case, "close_publicity", CADRE2, day(10))
        assert case.state == "township_review"

    def test_an_objection_recorded_before_the_seq_was_kept_is_judged_by_its_time(self):
        case = to_publicity(new_case())
        case.objections.append(Objection("O1", day(4), "异议", "c1"))  # as loaded from an older document
        assert error(step, case, "close_publicity", CADRE, day(8)) == "OBJECTION_OPEN"
        case.objections[0] = dataclasses.replace(case.objections[0], raised_at=day(3, 1))  # before the posting
        step(case, "close_publicity", CADRE, day(8))
        assert case.state == "township_review"


def test_working_day_notices_need_the_calendar():
    data = copy.deepcopy(WF_DATA)
    data["notice"]["kind"] = "working"
    wf = WorkflowDefinition.from_dict(data)
    case = Case.open("C1", wf, [lead()])
    step(case, "accept", CADRE, day(0, 3), wf=wf)
    step(case, "submit_verification", CADRE, day(1), wf=wf)
    step(case, "complete_comparison", DATA, day(2), wf=wf)
    step(case, "pass_village_review", CADRE, day(4), wf=wf)  # Friday 03-07: 7, 10, 11, 12, 13
    assert error(step, case, "close_publicity", CADRE, day(10), wf=wf) == "CALENDAR_REQUIRED"
    cal = WeekendCalendar()
    assert error(step, case, "close_publicity", CADRE, day(10), wf=wf, calendar=cal) == "NOTICE_PERIOD"
    step(case, "close_publicity", CADRE, day(11), wf=wf, calendar=cal)


def test_rejection_needs_a_reason_and_the_notice_to_the_household():
    case = to_publicity(new_case())
    step(case, "close_publicity", CADRE, day(8))
    assert error(step, case, "reject", TOWN, day(9), reason="") == "REASON_MISSING"
    assert error(step, case, "reject", TOWN, day(9), evidence=["township_review_opinion"]) == "EVIDENCE_MISSING"
    step(case, "reject", TOWN, day(9), reason="人均纯收入高于监测标准")
    assert case.decision().target == "rejected" and case.closed


def test_a_closed_case_never_changes():
    case = new_case()
    step(case, "withdraw", CADRE, day(1), reason="农户书面撤回")
    before = (case.state, list(case.history), list(case.leads))
    assert error(step, case, "accept", CADRE, day(2)) == "CASE_CLOSED"
    assert error(case.merge, lead("L2", at=day(2)), WF) == "CASE_CLOSED"
    assert (case.state, case.history, case.leads) == before


def test_a_refused_action_changes_nothing():
    case = to_publicity(new_case())
    snapshot = dataclasses.replace(case, history=list(case.history), objections=list(case.objections))
    assert error(step, case, "close_publicity", CADRE, day(5)) == "NOTICE_PERIOD"
    assert (case.state, case.history, case.category) == (snapshot.state, snapshot.history, snapshot.category)


def test_time_runs_forward_and_is_aware():
    case = new_case()
    step(case, "accept", CADRE, day(1))
    assert error(step, case, "submit_verification", CADRE, day(0)) == "TIME_ORDER"
    assert error(step, case, "submit_verification", CADRE, dt.datetime(2025, 3, 5, 9)) == "NAIVE_DATETIME"


def test_green_channel_lets_measures_start_but_skips_no_step():
    case = new_case()
    assert not case.measures_allowed(WF)
    step(case, "green_channel", CADRE, day(0, 3), reason="大病住院，先行救助")
    assert case.measures_allowed(WF)
    assert error(step, case, "submit_verification", CADRE, day(1)) == "WORKFLOW_NOT_ALLOWED"
    step(case, "resume", CADRE, day(1))
    assert case.state == "verifying" and case.measures_allowed(WF)


def test_leads_about_a_household_merge_into_its_open_case():
    book = CaseBook()
    first = book.receive(lead("L1"), WF)
    dept = Lead("L2", "H1", Channel.DEPARTMENT_WARNING, day(1), department="medical_insurance")
    assert book.receive(dept, WF) is first
    assert [x.lead_id for x in first.leads] == ["L1", "L2"]
    assert book.receive(lead("L2", at=day(1)), WF) is first and len(first.leads) == 2  # same lead twice: once
    other = book.receive(lead("L3", household="H2"), WF)
    assert other is not first and len(book.cases) == 2


def test_a_household_has_at_most_one_open_case():
    book = CaseBook()
    book.add(new_case())
    assert error(book.add, Case.open("C2", WF, [lead("L9")])) == "CASE_ALREADY_OPEN"
    assert error(book.add, Case.open("C1", WF, [lead("L9", household="H9")])) == "CASE_ID_TAKEN"


def test_after_a_case_closes_a_new_lead_opens_a_new_case():
    book = CaseBook()
    first = book.receive(lead("L1"), WF)
    step(first, "invalidate", CADRE, day(1), reason="重复申报")
    second = book.receive(lead("L2", at=day(2)), WF, case_id="C-2025-2")
    assert second.case_id == "C-2025-2" and second is not first and book.open_case("H1") is second


def test_open_case_for_merges_or_opens():
    existing = [new_case()]
    merged = open_case_for("H1", [lead("L5", at=day(1))], existing, wf=WF, new_case_id="C9")
    assert merged is existing[0] and len(merged.leads) == 2
    fresh = open_case_for("H2", [lead("L6", household="H2")], existing, wf=WF, new_case_id="C9")
    assert fresh.case_id == "C9" and fresh.state == "lead"
    assert error(open_case_for, "H1", [lead("L7", household="H2")], existing, wf=WF, new_case_id="C9") == "LEAD_INVALID"
    two = [*existing, Case.open("C2", WF, [lead("L8")])]
    assert error(open_case_for, "H1", [lead("L7")], two, wf=WF, new_case_id="C9") == "CASE_ALREADY_OPEN"


def test_an_actor_has_an_id_and_a_known_role():
    assert Actor("c9", "village_cadre", "53").role is Role.VILLAGE_CADRE
    assert error(Actor, "c9", "mayor", "53") == "ACTOR_INVALID"
    assert error(Actor, "", Role.AUDITOR, "53") == "ACTOR_INVALID"


def test_a_department_warning_names_its_department():
    assert error(Lead, "L1", "H1", Channel.DEPARTMENT_WARNING, T0) == "LEAD_INVALID"
    assert error(Lead, "L1", "H1", Channel.CADRE_SCREENING, dt.datetime(2025, 3, 3)) == "NAIVE_DATETIME"


def test_the_case_opens_when_its_first_lead_came_in():
    case = Case.open("C1", WF, [lead("L2", at=day(2)), lead("L1", at=day(1))])
    assert case.opened_at == day(1) and [x.lead_id for x in case.leads] == ["L1", "L2"]


class TestDeadlines:
    def test_fifteen_days_from_the_lead_to_the_announcement(self):
        case = approved(new_case())
        by = {d.subject: d for d in case.deadlines(WF, today=dt.date(2025, 4, 30), calendar=WeekendCalendar())}
        proc = by["procedure"]
        assert (proc.started, proc.due, proc.done) == (dt.date(2025, 3, 3), dt.date(2025, 3, 18), dt.date(2025, 3, 13))
        assert proc.status is DeadlineStatus.ON_TIME

    def test_a_stalled_case_turns_orange_then_red(self):
        case = new_case()
        step(case, "accept", CADRE, day(0, 3))
        status = [
            {d.subject: d for d in case.deadlines(WF, today=today, calendar=WeekendCalendar())}["procedure"].status
            for today in (dt.date(2025, 3, 10), dt.date(2025, 3, 16), dt.date(2025, 3, 19), dt.date(2025, 3, 24))
        ]
        assert status == [
            DeadlineStatus.ON_TIME,
            DeadlineStatus.DUE_SOON,
            DeadlineStatus.OVERDUE,
            DeadlineStatus.OVERDUE_ESCALATED,
        ]

    def test_the_visit_has_two_working_days(self):
        case = Case.open("C1", WF, [lead(at=dt.datetime(2025, 3, 6, 1, tzinfo=dt.UTC))])  # Thursday
        step(case, "accept", CADRE, dt.datetime(2025, 3, 7, 1, tzinfo=dt.UTC))  # Friday
        by = {d.subject: d for d in case.deadlines(WF, today=dt.date(2025, 3, 12), calendar=WeekendCalendar())}
        assert by["lead"].done == dt.date(2025, 3, 7) and by["lead"].status is DeadlineStatus.DUE_SOON
        assert by["verifying"].due == dt.date(2025, 3, 11) and by["verifying"].status is DeadlineStatus.OVERDUE

    def test_twenty_working_days_where_the_province_says_so(self):
        data = copy.deepcopy(WF_DATA)
        data["deadline"] = {"days": 20, "kind": "working", "stops_at": ["announced", "rejected", "withdrawn"]}
        wf = WorkflowDefinition.from_dict(data)
        case = Case.open("C1", wf, [lead(at=dt.datetime(2025, 9, 26, 1, tzinfo=dt.UTC))])
        holidays = WeekendCalendar(
            holidays=[dt.date(2025, 10, d) for d in range(1, 9)], workdays=[dt.date(2025, 9, 28), dt.date(2025, 10, 11)]
        )
        (proc,) = [
            d for d in case.deadlines(wf, today=dt.date(2025, 10, 9), calendar=holidays) if d.subject == "procedure"
        ]
        assert proc.due == dt.date(2025, 10, 30)


def test_an_identified_case_continues_into_risk_elimination():
    case = approved(new_case())
    step(case, "propose_elimination", CADRE, day(40), wf=ELIM, reason="人均纯收入连续6个月高于监测标准")
    step(case, "submit_verification", CADRE, day(41), wf=ELIM)
    step(case, "pass_village_review", CADRE, day(42), wf=ELIM)
    assert error(step, case, "close_publicity", CADRE, day(44), wf=ELIM) == "NOTICE_PERIOD"
    step(case, "close_publicity", CADRE, day(47), wf=ELIM)
    assert error(step, case, "approve", Actor("c1", Role.TOWNSHIP_REVIEWER, "5323"), day(48), wf=ELIM) == (
        "SELF_APPROVAL"
    )
    step(case, "approve", TOWN, day(48), wf=ELIM)
    step(case, "eliminate_by_assistance", COUNTY, day(49), wf=ELIM)
    # 先跟踪、再脱钩: the household is tracked, its measures run on (四个不摘), the case stays open
    assert case.state == "eliminated" and not case.closed and case.measures_allowed(ELIM)
    assert case.decision().action == "eliminate_by_assistance" and case.decision().policy_id == "elimination"
    assert case.eliminated_on(ELIM, local_date(day(49))) and not case.eliminated_on(ELIM, local_date(day(48)))
    six_months = ELIM.tracking_first_day(local_date(day(49)))
    early = dt.datetime.combine(six_months - dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)
    assert error(step, case, "detach", COUNTY, early, wf=ELIM) == "TRACKING_PERIOD"
    step(case, "detach", COUNTY, dt.datetime.combine(six_months, dt.time(3), tzinfo=dt.UTC), wf=ELIM)
    assert case.state == "detached" and case.closed and case.eliminated_on(ELIM, six_months)


def test_an_unstable_elimination_is_rolled_back_with_its_reason_and_the_history_kept():
    case = approved(new_case())
    for i, (action, who) in enumerate([("propose_elimination", CADRE), ("submit_verification", CADRE),
                                       ("pass_village_review", CADRE)]):  # fmt: skip
        step(case, action, who, day(40 + i), wf=ELIM, reason="收入稳定")
    step(case, "close_publicity", CADRE, day(47), wf=ELIM)
    step(case, "approve", TOWN, day(48), wf=ELIM)
    step(case, "eliminate_naturally", COUNTY, day(49), wf=ELIM)
    assert error(step, case, "roll_back", COUNTY, day(80), wf=ELIM, reason=" ") == "REASON_MISSING"
    steps = len(case.history)
    step(case, "roll_back", COUNTY, day(80), wf=ELIM, reason="户主务工中断，收入回落")
    assert case.state == "monitoring" and not case.closed and len(case.history) == steps + 1
    assert [t.action for t in case.history[-2:]] == ["eliminate_naturally", "roll_back"]
    assert case.decision().action == "roll_back" and case.decision().reason == "户主务工中断，收入回落"
    assert case.eliminated_on(ELIM, local_date(day(79))) and not case.eliminated_on(ELIM, local_date(day(80)))
    step(case, "propose_elimination", CADRE, day(200), wf=ELIM, reason="再次评估")  # may be proposed again


WF_DATA = {
    "id": "identification-test",
    "version": "test",
    "title": "测试",
    "effective_from": dt.date(2024, 1, 1),
    "initial": WF.initial,
    "path": list(WF.path),
    "states": {
        s.name: {
            "label": s.label,
            "kind": s.kind.value,
            "allows_measures": s.allows_measures,
            **({"deadline": {"days": s.deadline.days, "kind": s.deadline.kind.value}} if s.deadline else {}),
        }
        for s in WF.states.values()
    },
    "notice": {"state": "publicizing", "days": 5, "kind": "calendar", "answer_roles": ["village_cadre"]},
    "deadline": {"days": 15, "stops_at": ["announced", "rejected", "withdrawn"]},
    "transitions": [
        {
            "action": r.action,
            "from": sorted(r.sources),
            "to": r.target,
            "roles": sorted(r.roles),
            "evidence": list(r.evidence),
            "reason": r.needs_reason,
            "review": r.review,
            "decision": r.decision,
            "sets_codes": r.sets_codes,
            "after_notice": r.after_notice,
        }
        for r in WF.transitions
    ],
}
