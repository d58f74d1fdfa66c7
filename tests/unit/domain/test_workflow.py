"""A workflow definition is built from plain data and refused when it could let a case skip a step."""

import copy
import datetime as dt

import pytest

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import DayKind, Duration
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import (
    Role,
    StateKind,
    WorkflowDefinition,
    confirm_codes,
    definition_problems,
)

BASE = {
    "id": "mini",
    "version": "1",
    "title": "测试程序",
    "effective_from": dt.date(2025, 1, 1),
    "initial": "lead",
    "path": ["visit", "notice", "review", "approved"],
    "states": {
        "lead": {"label": "线索"},
        "visit": {"label": "入户核实", "deadline": {"days": 2, "kind": "working"}},
        "notice": {"label": "公示"},
        "review": {"label": "审核"},
        "approved": {"label": "已纳入", "kind": "open", "allows_measures": True},
        "rejected": {"label": "不予纳入", "kind": "closed"},
    },
    "notice": {"state": "notice", "days": 5, "answer_roles": ["village_cadre"]},
    "deadline": {"days": 15, "stops_at": ["approved", "rejected"]},
    "transitions": [
        {"action": "accept", "from": ["lead"], "to": "visit", "roles": ["village_cadre"]},
        {
            "action": "submit",
            "from": ["visit"],
            "to": "notice",
            "roles": ["village_cadre"],
            "evidence": ["signed_consent"],
            "sets_codes": True,
        },
        {"action": "close", "from": ["notice"], "to": "review", "roles": ["village_cadre"], "after_notice": True},
        {"action": "approve", "from": ["review"], "to": "approved", "roles": ["township_reviewer"], "review": True},
        {
            "action": "reject",
            "from": ["review"],
            "to": "rejected",
            "roles": ["township_reviewer"],
            "reason": True,
            "decision": True,
        },
    ],
}


def data(**changes):
    d = copy.deepcopy(BASE)
    d.update(changes)
    return d


def with_transition(**t):
    d = data()
    d["transitions"].append({"roles": ["village_cadre"], **t})
    return d


def problems_of(d):
    return [(p.loc, p.message) for p in definition_problems(WorkflowDefinition.from_dict(d, check=False))]


def test_builds_from_plain_data():
    wf = WorkflowDefinition.from_dict(BASE)
    assert wf.initial == "lead" and wf.path[-1] == "approved"
    assert wf.states["visit"].deadline == Duration(2, DayKind.WORKING)
    assert wf.states["approved"].kind is StateKind.OPEN and wf.is_closed("rejected")
    rule = wf.rule("submit", "visit")
    assert rule is not None and rule.sets_codes and rule.evidence == ("signed_consent",)
    assert wf.rule("submit", "lead") is None
    assert {r.action for r in wf.rules_from("review")} == {"approve", "reject"}
    assert wf.notice is not None and wf.notice.answer_roles == {Role.VILLAGE_CADRE}
    assert wf.deadline is not None and wf.deadline.starts_at == "lead"  # defaults to the initial state
    assert wf.warning.due_soon == Duration(3)


def test_a_transition_that_skips_a_step_is_refused():
    d = with_transition(action="fast_track", **{"from": ["visit"]}, to="review")
    with pytest.raises(DomainError) as e:
        WorkflowDefinition.from_dict(d)
    assert e.value.code == "WORKFLOW_DEFINITION"
    assert e.value.field == "transitions[5].from"
    assert "越级" in e.value.message


def test_approval_only_comes_from_the_last_review_step():
    d = with_transition(action="approve", **{"from": ["notice"]}, to="approved", roles=["township_reviewer"])
    assert problems_of(d) == [(("transitions", 5, "from"), "进入 approved 只能从 review 出发，否则会越级跳过环节")]


def test_the_first_step_may_be_entered_from_anywhere_open():
    d = data()
    d["states"]["returned"] = {"label": "退回"}
    d["transitions"] += [
        {"action": "return", "from": ["review"], "to": "returned", "roles": ["township_reviewer"], "reason": True},
        {"action": "resubmit", "from": ["returned"], "to": "visit", "roles": ["village_cadre"]},
    ]
    assert problems_of(d) == []


def test_closed_states_have_no_exits():
    d = with_transition(action="reopen", **{"from": ["rejected"]}, to="lead")
    assert (("transitions", 5, "from"), "结束状态 rejected 不能再变更") in problems_of(d)


@pytest.mark.parametrize("role", ["auditor", "administrator"])
def test_read_only_roles_never_move_a_case(role):
    d = with_transition(action="peek", **{"from": ["lead"]}, to="rejected", roles=[role])
    assert any(loc == ("transitions", 5, "roles") for loc, _ in problems_of(d))


def test_unknown_states_are_located():
    d = with_transition(action="oops", **{"from": ["nowhere"]}, to="limbo")
    found = problems_of(d)
    assert (("transitions", 5, "from"), "未定义的状态 nowhere") in found
    assert (("transitions", 5, "to"), "未定义的状态 limbo") in found


def test_an_action_is_defined_once_per_state():
    d = with_transition(action="accept", **{"from": ["lead"]}, to="rejected")
    assert any("重复定义" in m for _, m in problems_of(d))


def test_a_procedure_state_needs_a_way_out():
    d = data()
    d["states"]["stuck"] = {"label": "卡住"}
    assert (("states", "stuck"), "程序中的状态 stuck 没有任何出口") in problems_of(d)


def test_only_leaving_the_notice_may_wait_for_it():
    d = data()
    d["transitions"][0]["after_notice"] = True
    assert any(loc == ("transitions", 0, "after_notice") for loc, _ in problems_of(d))


def test_only_leaving_the_tracking_state_may_wait_for_it_and_gates_are_known():
    d = data()
    d["transitions"][0]["after_tracking"] = True
    assert any(loc == ("transitions", 0, "after_tracking") for loc, _ in problems_of(d))  # no tracking at all
    d["tracking"] = {"state": "nowhere", "months": 6}
    assert any(loc == ("tracking", "state") for loc, _ in problems_of(d))
    d = data()
    d["transitions"][0]["gate"] = "astrology"
    assert any(loc == ("transitions", 0, "gate") and "astrology" in m for loc, m in problems_of(d))


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"initial": "rejected"}, ("initial",)),
        ({"path": ["visit", "visit"]}, ("path",)),
        ({"max_risk_codes": 6}, ("max_risk_codes",)),
        ({"effective_to": dt.date(2024, 1, 1)}, ("effective_to",)),
        ({"deadline": {"days": 15, "stops_at": ["nowhere"]}}, ("deadline", "stops_at")),
        ({"notice": {"state": "nowhere", "days": 5}}, ("notice", "state")),
    ],
)
def test_top_level_mistakes_are_located(changes, loc):
    assert loc in [p for p, _ in problems_of(data(**changes))]


@pytest.mark.parametrize(
    ("d", "field"),
    [
        ({k: v for k, v in BASE.items() if k != "initial"}, "initial"),
        (data(version=2025.1), "version"),
        (data(notice={"state": "notice", "days": 5, "kind": "fortnightly"}), "notice"),
        (data(notice={"state": "notice", "days": -1}), "notice"),
        (with_transition(action="x", **{"from": ["lead"]}, to="visit", roles=["mayor"]), "transitions[5].roles"),
    ],
)
def test_malformed_data_is_a_domain_error_with_a_field(d, field):
    with pytest.raises(DomainError) as e:
        WorkflowDefinition.from_dict(d)
    assert e.value.code == "WORKFLOW_DEFINITION"
    assert e.value.field == field


def test_notice_last_day_counts_the_posting_day():
    wf = WorkflowDefinition.from_dict(BASE)
    assert wf.notice_last_day(dt.date(2025, 3, 3)) == dt.date(2025, 3, 7)


def test_a_definition_is_in_force_between_its_dates():
    wf = WorkflowDefinition.from_dict(data(effective_to=dt.date(2025, 12, 31)))
    assert wf.in_force(dt.date(2025, 6, 1)) and not wf.in_force(dt.date(2026, 1, 1))


def test_a_national_definition_has_an_empty_scope_and_a_cn_key():
    wf = WorkflowDefinition.from_dict(BASE)
    assert (wf.scope, wf.key) == ("", "mini@cn@1")


def test_a_local_definition_keys_by_its_scope():
    wf = WorkflowDefinition.from_dict(data(scope="532328", version="2025.1"))
    assert (wf.scope, wf.key) == ("532328", "mini@532328@2025.1")


@pytest.mark.parametrize("scope", ["3", "340", "34a", "3412345678901"])
def test_a_scope_is_a_division_code_prefix(scope):
    assert ("scope",) in [loc for loc, _ in problems_of(data(scope=scope))]


def test_a_key_too_long_to_store_with_a_case_is_refused():
    assert ("id",) in [loc for loc, _ in problems_of(data(id="identification_extended", version="2025.1-rc1-xyz"))]
    assert problems_of(data(id="identification", scope="532328001001", version="2025.12")) == []  # 38 chars


def test_a_deadline_can_roll_forward_off_a_holiday():
    wf = WorkflowDefinition.from_dict(data(deadline={"days": 15, "roll_forward": True, "stops_at": ["approved"]}))
    assert wf.deadline is not None and wf.deadline.limit == Duration(15, roll_forward=True)
    assert wf.states["visit"].deadline == Duration(2, DayKind.WORKING)  # roll_forward defaults to false


@pytest.mark.parametrize(
    ("deadline", "field"),
    [
        ({"days": 20, "kind": "working", "roll_forward": True, "stops_at": ["approved"]}, "deadline"),
        ({"days": 15, "roll_forward": "yes", "stops_at": ["approved"]}, "deadline.roll_forward"),
    ],
)
def test_roll_forward_is_only_for_calendar_days_and_only_a_boolean(deadline, field):
    with pytest.raises(DomainError) as e:
        WorkflowDefinition.from_dict(data(deadline=deadline))
    assert (e.value.code, e.value.field) == ("WORKFLOW_DEFINITION", field)


class TestConfirmCodes:
    wf = WorkflowDefinition.from_dict(BASE)
    submit = wf.rule("submit", "visit")
    accept = wf.rule("accept", "lead")
    cat = MonitoringCategory.MARGINAL_AT_RISK

    def code(self, *args):
        with pytest.raises(DomainError) as e:
            confirm_codes(self.wf, *args)
        return e.value.code

    def test_codes_are_confirmed_in_order_without_repeats(self):
        assert confirm_codes(self.wf, self.submit, self.cat, ["01", "09", "01"], None) == ("01", "09")

    def test_at_most_five(self):
        assert self.code(self.submit, self.cat, ["01", "03", "04", "05", "06", "07"], None) == "RISK_CODES_LIMIT"

    def test_at_least_one_and_a_category(self):
        assert self.code(self.submit, self.cat, [], None) == "CODES_REQUIRED"
        assert self.code(self.submit, None, ["01"], None) == "CODES_REQUIRED"

    def test_codes_come_from_the_table(self):
        assert self.code(self.submit, self.cat, ["08"], None) == "RISK_CODE_UNKNOWN"
        assert confirm_codes(self.wf, self.submit, self.cat, ["L1"], {"L1"}) == ("L1",)

    def test_codes_are_set_only_where_the_workflow_says(self):
        assert self.code(self.accept, self.cat, ["01"], None) == "CODES_NOT_ALLOWED"
        assert confirm_codes(self.wf, self.accept, None, None, None) == ()
