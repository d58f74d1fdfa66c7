"""Random people doing random things to random households' cases never break the procedure.

A Hypothesis state machine receives leads for a few households and lets actors of every role —
some of them one person holding two roles — take actions on the cases: mostly the actions the
shipped identification and elimination procedures offer from the current state (mostly the
step forward), sometimes any
action at all, with documents or reasons missing now and then, objections during the notice,
and time passing. After every step it checks, from the recorded history alone:

* at most one open case per household;
* every transition is recorded with actor, role, UTC time, evidence and the workflow version,
  chained from the initial state, and allowed by the definition it names;
* no approval skips a level: whoever entered step j of a procedure's path did so right after
  steps 0..j-1, in order;
* no self-approval: a review's actor did not act earlier in the same pass;
* the public notice ran its full period, with no objection open or upheld when it was closed;
* every objection names the notice it was raised against, and was raised while that notice ran;
* a closed case never changes again, and a refused action changes nothing.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from jingzhun.domain.cases import Actor, Case, CaseBook, Channel, Lead
from jingzhun.domain.categories import DEFAULT_RISK_TYPES, MonitoringCategory
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, WorkflowDefinition
from jingzhun.policy.workflow_schema import load_workflow

IDENT = load_workflow("identification")
ELIM = load_workflow("elimination")
DEFS: dict[str, WorkflowDefinition] = {IDENT.id: IDENT, ELIM.id: ELIM}
HOUSEHOLDS = ("H1", "H2", "H3")
ACTORS = (
    Actor("c1", Role.VILLAGE_CADRE, "532328101201"),
    Actor("c2", Role.VILLAGE_CADRE, "532328101202"),
    Actor("d1", Role.DEPARTMENT_DATA_OFFICER, "532328"),
    Actor("t1", Role.TOWNSHIP_REVIEWER, "532328101"),
    Actor("t2", Role.TOWNSHIP_REVIEWER, "532328101"),
    Actor("k1", Role.COUNTY_APPROVER, "532328"),
    Actor("c1", Role.TOWNSHIP_REVIEWER, "532328101"),  # the cadre c1 also reviews for the township
    Actor("t1", Role.COUNTY_APPROVER, "532328"),  # the reviewer t1 also approves for the county
    Actor("p1", Role.ASSISTANCE_PARTNER, "532328"),
    Actor("a1", Role.AUDITOR, "53"),
    Actor("x1", Role.ADMINISTRATOR, "53"),
)
ACTIONS = sorted({r.action for wf in DEFS.values() for r in wf.transitions})
RISK_CODES = [t.code for t in DEFAULT_RISK_TYPES] + ["08"]  # 08 is not in the table
START = dt.datetime(2025, 9, 20, 1, 0, tzinfo=dt.UTC)


def workflow_for(case: Case) -> WorkflowDefinition:
    """The procedure that has actions from the case's state (identification, then elimination)."""
    return next((wf for wf in (IDENT, ELIM) if wf.rules_from(case.state)), IDENT)


def snapshot(case: Case) -> tuple[object, ...]:
    return (case.state, case.closed, case.category, case.risk_codes, tuple(case.history), tuple(case.objections),
            tuple(case.leads))  # fmt: skip


class CaseWorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.book = CaseBook()
        self.now = START
        self.leads = 0
        self.closed_seen: dict[str, tuple[object, ...]] = {}

    def cases(self) -> list[Case]:
        return sorted(self.book.cases.values(), key=lambda c: c.case_id)

    @rule(household=st.sampled_from(HOUSEHOLDS), channel=st.sampled_from(list(Channel)))
    def receive_lead(self, household: str, channel: Channel) -> None:
        self.leads += 1
        department = "civil_affairs" if channel is Channel.DEPARTMENT_WARNING else ""
        lead = Lead(f"L{self.leads}", household, channel, self.now, department=department)
        case = self.book.receive(lead, IDENT)
        assert lead in case.leads and not case.closed

    @rule(hours=st.integers(0, 24 * 7))
    def time_passes(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)

    @precondition(lambda self: self.book.cases)
    @rule(data=st.data())
    def follow_the_procedure(self, data: st.DataObject) -> None:
        case = data.draw(st.sampled_from(self.cases()))
        wf = workflow_for(case)
        rules = wf.rules_from(case.state)
        forward = [r for r in rules if r.target in wf.path]
        if not rules:
            return
        # mostly forward along the path, so that cases reach the reviews, the notice and approval
        r = data.draw(st.sampled_from(forward if forward and data.draw(st.integers(0, 9)) else rules))
        fitting = [a for a in ACTORS if a.role in r.roles]
        actor = data.draw(st.sampled_from(fitting) if data.draw(st.integers(0, 9)) else st.sampled_from(ACTORS))
        evidence = list(r.evidence)
        if evidence and not data.draw(st.integers(0, 9)):
            evidence.remove(data.draw(st.sampled_from(evidence)))
        reason = "" if not data.draw(st.integers(0, 9)) else "理由"
        category, codes = None, None
        if r.sets_codes:
            category = data.draw(st.sampled_from(list(MonitoringCategory)))
            codes = data.draw(st.lists(st.sampled_from(RISK_CODES[:-1]), min_size=1, max_size=5))
        self.attempt(case, wf, r.action, actor, evidence, reason, category, codes)

    @precondition(lambda self: any(not c.closed for c in self.book.cases.values()))
    @rule(data=st.data())
    def diligent_clerk(self, data: st.DataObject) -> None:
        """Someone entitled who has not touched the file yet takes the next step with every document."""
        case = data.draw(st.sampled_from([c for c in self.cases() if not c.closed]))
        wf = workflow_for(case)
        forward = [r for r in wf.rules_from(case.state) if r.target in wf.path]
        if not forward:
            return
        r = forward[0]
        touched = {t.actor_id for t in case.current_pass(wf)}
        fresh = [a for a in ACTORS if a.role in r.roles and a.actor_id not in touched]
        actor = data.draw(st.sampled_from(fresh or [a for a in ACTORS if a.role in r.roles]))
        codes = (MonitoringCategory.MARGINAL_AT_RISK, ["01"]) if r.sets_codes else (None, None)
        self.attempt(case, wf, r.action, actor, list(r.evidence), "理由", *codes)

    @precondition(lambda self: self.book.cases)
    @rule(data=st.data())
    def act_at_random(self, data: st.DataObject) -> None:
        case = data.draw(st.sampled_from(self.cases()))
        wf = data.draw(st.sampled_from(list(DEFS.values())))
        action = data.draw(st.sampled_from(ACTIONS))
        actor = data.draw(st.sampled_from(ACTORS))
        evidence = data.draw(st.lists(st.sampled_from(["signed_consent", "rejection_notice", "publicity_record"])))
        category = data.draw(st.none() | st.sampled_from(list(MonitoringCategory)))
        codes = data.draw(st.none() | st.lists(st.sampled_from(RISK_CODES), max_size=7))
        self.attempt(case, wf, action, actor, evidence, data.draw(st.sampled_from(["", "理由"])), category, codes)

    def attempt(
        self,
        case: Case,
        wf: WorkflowDefinition,
        action: str,
        actor: Actor,
        evidence: list[str],
        reason: str,
        category: MonitoringCategory | None,
        codes: list[str] | None,
    ) -> None:
        before = snapshot(case)
        try:
            t = case.act(
                wf, action, actor, self.now, evidence=evidence, reason=reason, category=category, risk_codes=codes
            )
        except DomainError as e:
            assert snapshot(case) == before, f"refused with {e.code} but changed"
            return
        assert t is case.history[-1] and t.at == self.now and t.actor_id == actor.actor_id
        event(f"reached {t.target}")

    @precondition(
        lambda self: any(c.state in ("publicizing", "elimination_publicizing") for c in self.book.cases.values())
    )
    @rule(data=st.data())
    def objection(self, data: st.DataObject) -> None:
        case = data.draw(st.sampled_from([c for c in self.cases() if "publicizing" in c.state]))
        wf = workflow_for(case)
        actor = data.draw(st.sampled_from(ACTORS))
        before = snapshot(case)
        try:
            if data.draw(st.booleans()):
                case.raise_objection(wf, f"O{len(case.objections) + 1}", "异议", actor, self.now)
            else:
                pending = [o.objection_id for o in case.objections if o.is_open] or ["O0"]
                oid = data.draw(st.sampled_from(pending))
                case.answer_objection(
                    wf, oid, "答复", upheld=not data.draw(st.integers(0, 4)), actor=actor, at=self.now
                )
        except DomainError:
            assert snapshot(case) == before

    @invariant()
    def one_open_case_per_household(self) -> None:
        open_ = [c.household_id for c in self.book.cases.values() if not c.closed]
        assert len(open_) == len(set(open_))

    @invariant()
    def every_transition_is_recorded_and_allowed(self) -> None:
        for case in self.book.cases.values():
            state, last = IDENT.initial, case.opened_at
            for seq, t in enumerate(case.history, 1):
                wf = DEFS[t.policy_id]
                r = wf.rule(t.action, t.source)
                assert r is not None and r.target == t.target and t.source == state
                assert t.seq == seq and t.actor_id and t.actor_role in r.roles
                assert t.at.tzinfo is dt.UTC and t.at >= last
                assert set(r.evidence) <= set(t.evidence) and (t.reason or not r.needs_reason)
                assert (t.policy_version, t.policy_hash) == (wf.version, wf.content_hash)
                state, last = t.target, t.at
            assert case.state == state and case.closed == any(wf.is_closed(state) for wf in DEFS.values())

    @invariant()
    def no_level_is_skipped(self) -> None:
        for case in self.book.cases.values():
            for k, t in enumerate(case.history):
                path = DEFS[t.policy_id].path
                if t.target in path:
                    j = path.index(t.target)
                    assert [x.target for x in case.history[k - j : k + 1]] == list(path[: j + 1])

    @invariant()
    def no_self_approval(self) -> None:
        for case in self.book.cases.values():
            for k, t in enumerate(case.history):
                if t.review:
                    first = DEFS[t.policy_id].path[0]
                    starts = [i for i in range(k) if case.history[i].target == first]
                    earlier = case.history[starts[-1] if starts else 0 : k]
                    assert t.actor_id not in {x.actor_id for x in earlier}

    @invariant()
    def the_notice_ran_its_course(self) -> None:
        for case in self.book.cases.values():
            for k, t in enumerate(case.history):
                wf = DEFS[t.policy_id]
                r = wf.rule(t.action, t.source)
                if r is None or not r.after_notice:
                    continue
                posted = case.history[k - 1]
                assert local_date(t.at) > wf.notice_last_day(local_date(posted.at))
                # by the notice it was raised against, not by time: steps may share one instant
                during = [o for o in case.objections if o.notice_seq == posted.seq]
                assert not any(o.answered_at is None or o.answered_at > t.at for o in during)
                assert not any(o.upheld for o in during)

    @invariant()
    def objections_belong_to_a_notice(self) -> None:
        for case in self.book.cases.values():
            for o in case.objections:
                assert 1 <= o.notice_seq <= len(case.history)
                posted = case.history[o.notice_seq - 1]
                notice = DEFS[posted.policy_id].notice
                assert notice is not None and notice.state == posted.target
                left = case.history[o.notice_seq] if o.notice_seq < len(case.history) else None
                assert posted.at <= o.raised_at and (left is None or o.raised_at <= left.at)

    @invariant()
    def closed_cases_never_change(self) -> None:
        for case in self.book.cases.values():
            if case.case_id in self.closed_seen:
                assert snapshot(case) == self.closed_seen[case.case_id]
            elif case.closed:
                self.closed_seen[case.case_id] = snapshot(case)


CaseWorkflowMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=100, deadline=None)
TestCaseWorkflow = CaseWorkflowMachine.TestCase
