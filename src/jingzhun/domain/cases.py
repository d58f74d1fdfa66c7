"""The case aggregate: one monitoring episode of one household, moved only as its workflow allows.

A case starts from leads — 农户自主申报, 基层干部排查 or 部门筛查预警, which the 2021 guidance
wants "互为补充、相互协同" (policy notes §4) — so every lead about a household with an open case
is merged into that case: one open case per household (``open_case_for``, ``CaseBook``).

``Case.act`` is the only way a case changes state. It checks, in this order, and changes
nothing when a check fails (each failure a ``DomainError`` with a stable code):

CASE_CLOSED · NAIVE_DATETIME / TIME_ORDER · WORKFLOW_NOT_ALLOWED (the action is not defined
from the current state) · ROLE_NOT_ALLOWED · SELF_APPROVAL (see ``workflow``: a reviewer must
not have acted in the current pass) · REASON_MISSING · EVIDENCE_MISSING (e.g. the signed
承诺授权书 at 入户核实, the notice to the household on rejection) · CODES_NOT_ALLOWED /
CODES_REQUIRED / RISK_CODES_LIMIT / RISK_CODE_UNKNOWN (category and risk codes are confirmed
or corrected at the household visit, at most 5) · NOTICE_PERIOD / OBJECTION_OPEN /
OBJECTION_UPHELD (公示 must run its full period with every objection answered and none upheld
before township review, policy notes "Identification gates").

Every change is a ``Transition`` record — who (id, role, jurisdiction), when (UTC), why,
which documents, under which workflow id, version and content hash — appended to ``history``,
which is never rewritten. Persistence and the audit chain are the store's job (issue 4, later).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import Deadline, WorkingCalendar, local_date, timeline_deadlines, utc
from jingzhun.domain.documents import document_label
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, TransitionRule, WorkflowDefinition, confirm_codes


class Channel(StrEnum):
    SELF_DECLARATION = "self_declaration"  # 农户自主申报
    CADRE_SCREENING = "cadre_screening"  # 基层干部排查
    DEPARTMENT_WARNING = "department_warning"  # 部门筛查预警

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.SELF_DECLARATION: "农户自主申报",
    Channel.CADRE_SCREENING: "基层干部排查",
    Channel.DEPARTMENT_WARNING: "部门筛查预警",
}


@dataclass(frozen=True, slots=True)
class Lead:
    """A clue that a household may need identification, from one channel.

    ``source``: how it came (“12317 热线”, “帮扶联系人 张三”, “医保局 2025-10 推送”);
    ``department``: the pushing department for a department warning (glossary names).
    Suggestions are only that: the household visit confirms or corrects them.
    """

    lead_id: str
    household_id: str
    channel: Channel
    received_at: dt.datetime
    source: str = ""
    department: str = ""
    suggested_category: MonitoringCategory | None = None
    suggested_risk_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.lead_id or not self.household_id:
            raise DomainError("LEAD_INVALID", "线索须有编号和户编号")
        if self.channel is Channel.DEPARTMENT_WARNING and not self.department:
            raise DomainError("LEAD_INVALID", "部门筛查预警须写明推送部门", field="department")
        object.__setattr__(self, "received_at", utc(self.received_at))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, in which role, over which area (division-code prefix)."""

    actor_id: str
    role: Role
    jurisdiction: str

    def __post_init__(self) -> None:
        if not self.actor_id or self.role not in set(Role):
            raise DomainError("ACTOR_INVALID", f"办理人须有编号和已定义的角色：{self.actor_id!r} {self.role!r}")
        object.__setattr__(self, "role", Role(self.role))


@dataclass(frozen=True, slots=True)
class Transition:
    """One recorded change of state — the audit record of ``Case.act``."""

    seq: int
    action: str
    source: str
    target: str
    actor_id: str
    actor_role: Role
    jurisdiction: str
    at: dt.datetime  # UTC
    reason: str
    evidence: tuple[str, ...]
    policy_id: str
    policy_version: str
    policy_hash: str
    review: bool = False
    decision: bool = False
    category: MonitoringCategory | None = None  # set when this transition confirmed the codes
    risk_codes: tuple[str, ...] = ()
    # For a final decision: the monitoring policy (threshold pack) in force for the household that
    # day, as "id@version#hash" — the decision is judged later against the rules it was made under.
    decision_policy: str = ""
    # For a step with a gate: what the gate found, as JSON (e.g. the elimination criteria, each met
    # or not with its reason, the values read, the method) — the evidence the step was taken on.
    basis: str = ""


@dataclass(frozen=True, slots=True)
class Objection:
    """An objection raised during 公示, and its answer (upheld = the objection is valid).

    ``notice_seq`` is the seq of the transition that posted the notice it was raised against: a case
    can pass through several notices (a re-posted identification notice after a return, then the
    elimination notice), and steps can share one instant, so the time alone cannot say which notice
    an objection belongs to. 0 marks an objection recorded before the seq was kept; for those the
    time decides, as it did then.
    """

    objection_id: str
    raised_at: dt.datetime
    summary: str
    recorded_by: str
    answered_at: dt.datetime | None = None
    answer: str = ""
    answered_by: str = ""
    upheld: bool = False
    notice_seq: int = 0

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    def against(self, notice_seq: int, posted_at: dt.datetime) -> bool:
        """Whether this objection was raised against the notice posted by transition ``notice_seq``."""
        return self.notice_seq == notice_seq if self.notice_seq else self.raised_at >= posted_at


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass(eq=False)
class Case:
    case_id: str
    household_id: str
    state: str
    opened_at: dt.datetime
    leads: list[Lead] = field(default_factory=list)
    category: MonitoringCategory | None = None
    risk_codes: tuple[str, ...] = ()
    history: list[Transition] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    closed: bool = False
    # the keys of the workflows the case followed before its current one, oldest first: a case
    # identified under ``identification@…`` moves on to ``elimination@…`` when elimination is proposed
    phases: tuple[str, ...] = ()
    follows: str = ""  # the earlier case of the household this one re-opens (a rebound after detachment)

    @classmethod
    def open(cls, case_id: str, wf: WorkflowDefinition, leads: Sequence[Lead]) -> Case:
        """A new case at the workflow's initial state, opened when its first lead came in."""
        if not leads:
            raise DomainError("LEAD_INVALID", "立案至少需要一条线索")
        case = cls(case_id, leads[0].household_id, wf.initial, min(lead.received_at for lead in leads))
        for lead in sorted(leads, key=lambda x: x.received_at):
            case.merge(lead, wf)
        return case

    @property
    def confirmed(self) -> bool:
        """Whether category and risk codes were confirmed at a household visit."""
        return any(t.category is not None for t in self.history)

    def merge(self, lead: Lead, wf: WorkflowDefinition) -> None:
        """Add a lead about this household; until the visit confirms, its suggestions are merged in."""
        if self.closed:
            raise DomainError("CASE_CLOSED", f"案件 {self.case_id} 已结束，不能再并入线索")
        if lead.household_id != self.household_id:
            raise DomainError("LEAD_INVALID", f"线索 {lead.lead_id} 属于另一户 {lead.household_id}")
        if any(x.lead_id == lead.lead_id for x in self.leads):
            return
        self.leads.append(lead)
        if not self.confirmed:
            self.category = self.category or lead.suggested_category
            self.risk_codes = _unique((*self.risk_codes, *lead.suggested_risk_codes))[: wf.max_risk_codes]

    def entered_at(self) -> dt.datetime:
        """When the case entered its current state."""
        return self.history[-1].at if self.history else self.opened_at

    def current_pass(self, wf: WorkflowDefinition) -> list[Transition]:
        """The transitions since the case last entered the first step of ``wf.path``."""
        starts = [i for i, t in enumerate(self.history) if t.target == wf.path[0]]
        return self.history[starts[-1] :] if starts else list(self.history)

    def decision(self) -> Transition | None:
        """The latest final decision (approval or rejection), with the policy version it was taken under."""
        return next((t for t in reversed(self.history) if t.decision), None)

    def measures_allowed(self, wf: WorkflowDefinition) -> bool:
        """Assistance may start: the case is open and has reached approval or the green channel."""
        been = {self.state} | {t.target for t in self.history}
        return not self.closed and any(s in wf.states and wf.states[s].allows_measures for s in been)

    def identified_on(self, wf: WorkflowDefinition) -> dt.date | None:
        """The China-local day the case first reached a state that allows measures (approval or green channel)."""
        reached = [t for t in self.history if t.target in wf.states and wf.states[t.target].allows_measures]
        return local_date(reached[0].at) if reached else None

    def state_on(self, day: dt.date) -> str:
        """The state the case was in at the end of the China-local ``day`` (its first state before any step)."""
        done = [t for t in self.history if local_date(t.at) <= day]
        if done:
            return done[-1].target
        return self.history[0].source if self.history else self.state

    def eliminated_on(self, wf: WorkflowDefinition, day: dt.date) -> bool:
        """Whether the household's risk was marked eliminated on ``day`` (approved and not rolled back by then)."""
        spec = wf.states.get(self.state_on(day))
        return spec is not None and spec.risk_eliminated

    def eliminated_since(self, wf: WorkflowDefinition) -> dt.date | None:
        """The China-local day of the decision that marked the risk eliminated (the latest, after a rollback)."""
        marked = [
            t for t in self.history if t.decision and t.target in wf.states and wf.states[t.target].risk_eliminated
        ]
        return local_date(marked[-1].at) if marked else None

    def move_to(self, wf: WorkflowDefinition, previous_key: str) -> None:
        """Follow ``wf`` from the current state on (identification → elimination); the old key is kept."""
        if self.state not in wf.states or wf.is_closed(self.state):
            raise DomainError("WORKFLOW_NOT_ALLOWED", f"案件 {self.case_id} 在“{self.state}”环节，不能转入 {wf.title}")
        if previous_key != wf.key:
            self.phases = (*self.phases, previous_key)

    def monitored_on(self, wf: WorkflowDefinition, day: dt.date) -> bool:
        """Whether the household was a monitoring object on ``day``: identified by then, and not closed before it."""
        since = self.identified_on(wf)
        if since is None or since > day:
            return False
        return not (self.closed and local_date(self.history[-1].at) <= day)

    def act(
        self,
        wf: WorkflowDefinition,
        action: str,
        actor: Actor,
        at: dt.datetime,
        *,
        evidence: Iterable[str] = (),
        reason: str = "",
        category: MonitoringCategory | None = None,
        risk_codes: Sequence[str] | None = None,
        known_risk_codes: Collection[str] | None = None,
        calendar: WorkingCalendar | None = None,
        decision_policy: str = "",
        basis: str = "",
    ) -> Transition:
        """Take ``action`` if the workflow allows it now; record and return the transition.

        ``decision_policy`` names the monitoring policy in force, recorded on a final decision only;
        ``basis`` is what the step's gate found (the caller ran it), recorded on a gated step only.
        """
        at = self._check_time(at)
        rule = self._check_rule(wf, action, actor)
        if rule.needs_reason and not reason.strip():
            raise DomainError("REASON_MISSING", f"“{rule.label or rule.action}”须写明理由", field="reason")
        given = _unique(evidence)
        missing = [k for k in rule.evidence if k not in given]
        if missing:
            names = "、".join(document_label(k) for k in missing)
            raise DomainError("EVIDENCE_MISSING", f"缺少材料：{names}", field="evidence")
        codes = confirm_codes(wf, rule, category, risk_codes, known_risk_codes)
        if rule.after_notice:
            self._check_notice(wf, at, calendar)
        if rule.after_tracking:
            self._check_tracking(wf, at)
        t = Transition(
            seq=len(self.history) + 1, action=rule.action, source=self.state, target=rule.target,
            actor_id=actor.actor_id, actor_role=actor.role, jurisdiction=actor.jurisdiction, at=at,
            reason=reason.strip(), evidence=given, policy_id=wf.id, policy_version=wf.version,
            policy_hash=wf.content_hash, review=rule.review, decision=rule.decision,
            category=category if rule.sets_codes else None, risk_codes=codes,
            decision_policy=decision_policy if rule.decision else "", basis=basis if rule.gate else "",
        )  # fmt: skip
        self.history.append(t)
        self.state = rule.target
        self.closed = wf.is_closed(rule.target)
        if rule.sets_codes:
            self.category, self.risk_codes = category, codes
        return t

    def _check_time(self, at: dt.datetime) -> dt.datetime:
        if self.closed:
            raise DomainError("CASE_CLOSED", f"案件 {self.case_id} 已结束（{self.state}），不能再变更")
        at = utc(at)
        answered = [o.answered_at for o in self.objections if o.answered_at is not None]
        last = max([self.entered_at(), *(o.raised_at for o in self.objections), *answered])
        if at < last:
            raise DomainError("TIME_ORDER", f"操作时间 {at:%Y-%m-%d %H:%M} UTC 早于案件上一次记录的时间")
        return at

    def _check_rule(self, wf: WorkflowDefinition, action: str, actor: Actor) -> TransitionRule:
        rule = wf.rule(action, self.state)
        if rule is None:
            raise DomainError("WORKFLOW_NOT_ALLOWED", f"在“{_label(wf, self.state)}”环节不能执行 {action}")
        if actor.role not in rule.roles:
            allowed = "、".join(sorted(r.value for r in rule.roles))
            raise DomainError("ROLE_NOT_ALLOWED", f"“{rule.label or action}”只能由 {allowed} 办理")
        if rule.review and any(t.actor_id == actor.actor_id for t in self.current_pass(wf)):
            raise DomainError("SELF_APPROVAL", f"{actor.actor_id} 已经办理过本轮程序中的环节，不能审核或审批本案")
        return rule

    def _check_notice(self, wf: WorkflowDefinition, at: dt.datetime, calendar: WorkingCalendar | None) -> None:
        notice = wf.notice
        if notice is None or self.state != notice.state:
            return
        last_day = wf.notice_last_day(local_date(self.entered_at()), calendar)
        if local_date(at) <= last_day:
            first = last_day + dt.timedelta(days=1)
            message = f"公示须满 {notice.period}，至 {last_day} 结束；{first} 起方可进入下一环节"
            raise DomainError("NOTICE_PERIOD", message)
        this_notice = [o for o in self.objections if o.against(len(self.history), self.entered_at())]
        if any(o.is_open for o in this_notice):
            raise DomainError("OBJECTION_OPEN", "公示期间的异议尚未答复")
        if any(o.upheld for o in this_notice):
            raise DomainError("OBJECTION_UPHELD", "公示异议经核实成立，应退回补充材料或不予纳入")

    def _check_tracking(self, wf: WorkflowDefinition, at: dt.datetime) -> None:
        tracking = wf.tracking
        if tracking is None or self.state != tracking.state:
            return
        first = wf.tracking_first_day(local_date(self.entered_at()))
        if local_date(at) < first:
            last = first - dt.timedelta(days=1)
            raise DomainError("TRACKING_PERIOD", f"跟踪期 {tracking.months} 个月，至 {last} 结束；{first} 起方可脱钩")

    def raise_objection(
        self, wf: WorkflowDefinition, objection_id: str, summary: str, actor: Actor, at: dt.datetime
    ) -> Objection:
        """Record an objection received during the public notice."""
        at = self._check_objection_actor(wf, actor, at)
        if wf.notice is None or self.state != wf.notice.state:
            raise DomainError("WORKFLOW_NOT_ALLOWED", "只有在公示期间才能登记异议")
        if not summary.strip() or any(o.objection_id == objection_id for o in self.objections):
            raise DomainError("OBJECTION_INVALID", "异议须有内容，编号不能重复")
        objection = Objection(objection_id, at, summary.strip(), actor.actor_id, notice_seq=len(self.history))
        self.objections.append(objection)
        return objection

    def answer_objection(
        self, wf: WorkflowDefinition, objection_id: str, answer: str, *, upheld: bool, actor: Actor, at: dt.datetime
    ) -> Objection:
        """Record the answer to an objection: whether it was found valid, and what the household was told."""
        at = self._check_objection_actor(wf, actor, at)
        found = [i for i, o in enumerate(self.objections) if o.objection_id == objection_id and o.is_open]
        if not found or not answer.strip():
            raise DomainError("OBJECTION_INVALID", f"没有待答复的异议 {objection_id}，或答复为空")
        done = dataclasses.replace(
            self.objections[found[0]], answered_at=at, answer=answer.strip(), answered_by=actor.actor_id, upheld=upheld
        )
        self.objections[found[0]] = done
        return done

    def _check_objection_actor(self, wf: WorkflowDefinition, actor: Actor, at: dt.datetime) -> dt.datetime:
        at = self._check_time(at)
        if wf.notice is None or actor.role not in wf.notice.answer_roles:
            raise DomainError("ROLE_NOT_ALLOWED", f"角色 {actor.role.value} 不能登记或答复公示异议")
        return at

    def deadlines(
        self, wf: WorkflowDefinition, *, today: dt.date, calendar: WorkingCalendar | None = None
    ) -> list[Deadline]:
        """The procedure's time limit and each step's, as they stand on ``today`` (finished ones kept)."""
        entries = [(self.history[0].source if self.history else self.state, self.opened_at)]
        entries += [(t.target, t.at) for t in self.history]
        limits = {name: s.deadline for name, s in wf.states.items() if s.deadline is not None}
        return timeline_deadlines(
            entries, step_limits=limits, procedure=wf.deadline, today=today, warning=wf.warning, calendar=calendar
        )


def _label(wf: WorkflowDefinition, state: str) -> str:
    return wf.states[state].label if state in wf.states else state


def open_case_for(
    household_id: str,
    leads: Sequence[Lead],
    existing_cases: Iterable[Case],
    *,
    wf: WorkflowDefinition,
    new_case_id: str,
) -> Case:
    """The household's one open case with ``leads`` merged in, or a new case when none is open.

    More than one open case for the household among ``existing_cases`` is an inconsistency
    the caller must repair (CASE_ALREADY_OPEN), never resolved by guessing.
    """
    if any(lead.household_id != household_id for lead in leads):
        raise DomainError("LEAD_INVALID", f"线索中有不属于户 {household_id} 的")
    open_cases = [c for c in existing_cases if c.household_id == household_id and not c.closed]
    if len(open_cases) > 1:
        ids = "、".join(c.case_id for c in open_cases)
        raise DomainError("CASE_ALREADY_OPEN", f"户 {household_id} 同时有多个未结案件：{ids}")
    if open_cases:
        for lead in sorted(leads, key=lambda x: x.received_at):
            open_cases[0].merge(lead, wf)
        return open_cases[0]
    return Case.open(new_case_id, wf, leads)


@dataclass
class CaseBook:
    """Cases in memory, keeping one open case per household (the store will do the same in SQL)."""

    cases: dict[str, Case] = field(default_factory=dict)

    def open_case(self, household_id: str) -> Case | None:
        return next((c for c in self.cases.values() if c.household_id == household_id and not c.closed), None)

    def add(self, case: Case) -> Case:
        if case.case_id in self.cases:
            raise DomainError("CASE_ID_TAKEN", f"案件编号 {case.case_id} 已存在")
        current = self.open_case(case.household_id)
        if current is not None and not case.closed:
            raise DomainError("CASE_ALREADY_OPEN", f"户 {case.household_id} 已有未结案件 {current.case_id}")
        self.cases[case.case_id] = case
        return case

    def receive(self, lead: Lead, wf: WorkflowDefinition, *, case_id: str | None = None) -> Case:
        """Merge the lead into the household's open case, or open a new one (``case_id`` or ``C<n>``)."""
        current = self.open_case(lead.household_id)
        if current is not None:
            current.merge(lead, wf)
            return current
        return self.add(Case.open(case_id or f"C{len(self.cases) + 1}", wf, [lead]))
