"""Case use cases: receive a lead, act on a case, objections, read one case — each one transaction.

Scoping is inside the queries: an actor sees and acts on the cases of households within their
jurisdiction (``domain.access.scope_prefix``); anything else is "not found". Every lead, every
transition and every case read writes an audit event in the same transaction (an audit failure
fails the action); a refusal is audited too (``auditing.refusals_audited``).

The workflow a case follows is chosen once, when it opens: the definition in force for the
household's place on the day of its first lead (a provincial variant wins over the national
one). Its key is stored with the case, so a later change of policy never changes the rules of
a procedure already running.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from jingzhun.adapters.calendar_cn import ChineseWorkingCalendar
from jingzhun.adapters.db import audit_store, case_store
from jingzhun.adapters.db import tables as t
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import Deadline, WorkingCalendar, local_date, utc
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, TransitionRule, WorkflowDefinition
from jingzhun.policy import load_packs
from jingzhun.policy.errors import PolicyError
from jingzhun.policy.workflow_registry import resolve_workflow, workflow_by_key
from jingzhun.services import auditing, drafts, elimination

IDENTIFICATION = "identification"
# The procedure a case may go on to from the open state its workflow ends in: a case identified
# and monitored goes on to risk elimination (its ``initial`` state is identification's end).
FOLLOWS = {IDENTIFICATION: "elimination"}


CLOCK_TOLERANCE = dt.timedelta(minutes=5)  # clocks of phones and office PCs drift a little


def action_time(at: dt.datetime | None) -> dt.datetime:
    """When an action happened: now, or an earlier time entered from a paper record — never the future.

    A step may be recorded after the fact (a visit done offline, a form typed in the next day),
    but a time ahead of the server's clock would let a notice period or a deadline be "served"
    before it ran, so it is refused (TIME_IN_FUTURE). The audit event keeps both times.
    """
    now = dt.datetime.now(dt.UTC)
    if at is None:
        return now
    when = utc(at)
    if when > now + CLOCK_TOLERANCE:
        raise DomainError("TIME_IN_FUTURE", f"办理时间 {when:%Y-%m-%d %H:%M} UTC 晚于当前时间，不能预先登记")
    return when


def default_calendar() -> WorkingCalendar:
    return ChineseWorkingCalendar()


def due_on(case: Case, wf: WorkflowDefinition, calendar: WorkingCalendar) -> dt.date | None:
    """The earliest due date among the case's running time limits; None when none runs or is knowable.

    A limit in working days that reaches a year the holiday calendar does not cover yet cannot
    be dated (CALENDAR_YEAR_UNCOVERED): the case is then stored without a due date and the
    deadline report counts it as undated rather than guessing.
    """
    if case.closed:
        return None
    try:
        running = [
            d.due for d in case.deadlines(wf, today=local_date(case.entered_at()), calendar=calendar) if d.running
        ]
    except DomainError as e:
        if e.code == "CALENDAR_YEAR_UNCOVERED":
            return None
        raise
    return min(running, default=None)


def following_workflow(
    wf: WorkflowDefinition, division_code: str, on: dt.date, state: str
) -> WorkflowDefinition | None:
    """The workflow that follows ``wf`` there on ``on``, when it has steps from ``state``; None otherwise."""
    if wf.id not in FOLLOWS:
        return None
    try:
        following = resolve_workflow(FOLLOWS[wf.id], division_code, on)
    except (DomainError, PolicyError):
        return None
    return following if following.rules_from(state) else None


def next_phase(
    wf: WorkflowDefinition, division_code: str, on: dt.date, action: str, state: str
) -> WorkflowDefinition | None:
    """The workflow a case moves on to for ``action``: the one that follows ``wf``, when ``wf`` has no
    such step from ``state`` and the following one does; None otherwise."""
    if wf.rule(action, state) is not None:
        return None
    following = following_workflow(wf, division_code, on, state)
    return following if following is not None and following.rule(action, state) is not None else None


def monitoring_policy(division_code: str, on: dt.date) -> str:
    """The monitoring policy pack in force for a place and day, as ``id@version#hash`` (12 hex digits).

    A place without a threshold in force is recorded as such, never guessed: a decision there
    (e.g. on a sudden hardship) is still lawful, and the record says which rules were missing.
    """
    try:
        p = load_packs().resolve(division_code, on)
    except PolicyError as e:
        return f"-#{e.code}"
    return f"{p.policy_id}@{p.version}#{p.content_hash[:12]}"


def household_division(conn: Connection, household_id: str, scope: str) -> str:
    """The household's division code, if it lies in ``scope``; otherwise HOUSEHOLD_NOT_FOUND."""
    h = t.households.c
    code = conn.execute(
        select(h.division_code).where(h.household_id == household_id, h.division_code.startswith(scope))
    ).scalar()
    if code is None:
        raise DomainError("HOUSEHOLD_NOT_FOUND", f"找不到农户 {household_id}")
    return str(code)


@dataclass(frozen=True, slots=True)
class Folded:
    """Leads folded into a household's case: the open one (``version`` set) or a new one."""

    case: Case
    workflow: WorkflowDefinition
    version: int | None  # the stored version of the case they joined; None for a new case
    due: dt.date | None
    leads: tuple[Lead, ...]

    @property
    def opened(self) -> bool:
        return self.version is None


def fold_leads(
    current: case_store.Stored | None,
    leads: Sequence[Lead],
    division: str,
    calendar: WorkingCalendar,
    previous: case_store.Stored | None = None,
) -> Folded:
    """Merge ``leads`` (one household's) into its open case, or open one under the workflow in force there.

    ``previous``: the household's latest closed case; a new case re-opens it (``Case.follows``) when
    that case ended with the risk eliminated — a rebound after detachment, caught by a follow-up
    visit or by the screening of department data.
    """
    if current is None:
        wf = resolve_workflow(IDENTIFICATION, division, local_date(min(x.received_at for x in leads)))
        case = Case.open(f"C{uuid.uuid4().hex[:12]}", wf, leads)
        if previous is not None and eliminated_case(previous):
            case.follows = previous.case.case_id
        return Folded(case, wf, None, due_on(case, wf, calendar), tuple(leads))
    wf, case = workflow_by_key(current.workflow_key), current.case
    for lead in sorted(leads, key=lambda x: x.received_at):
        case.merge(lead, wf)
    return Folded(case, wf, current.version, due_on(case, wf, calendar), tuple(leads))


def eliminated_case(stored: case_store.Stored) -> bool:
    """Whether the case is in a state where the household's risk counts as eliminated."""
    spec = workflow_by_key(stored.workflow_key).states.get(stored.case.state)
    return spec is not None and spec.risk_eliminated


def save_folded(conn: Connection, folded: Sequence[Folded], divisions: Mapping[str, str]) -> None:
    """Store new and merged cases in bulk (``divisions``: household id → division code)."""
    new = [f for f in folded if f.opened]
    case_store.insert_many(
        conn, [case_store.NewCase(f.case, divisions[f.case.household_id], f.workflow.key, f.due) for f in new]
    )
    merged = [f for f in folded if not f.opened]
    case_store.update_many(conn, [case_store.CaseUpdate(f.case, f.version or 0, f.due) for f in merged])
    case_store.record_leads(conn, [(f.case, list(f.leads)) for f in merged])


def lead_events(actor: Actor, folded: Folded, request_id: str = "") -> list[audit_store.Entry]:
    """One audit event per lead: the first of a new case opens it, every other one merges."""
    out = []
    for i, lead in enumerate(folded.leads):
        action = "case.open" if folded.opened and i == 0 else "case.merge_lead"
        detail = {"lead": lead.lead_id, "channel": lead.channel.value, "household": lead.household_id}
        out.append(auditing.entry(actor, action, f"case:{folded.case.case_id}", detail, request_id=request_id))
    return out


def receive_lead(
    engine: Engine, lead: Lead, actor: Actor, *, calendar: WorkingCalendar | None = None, request_id: str = ""
) -> Case:
    """Merge the lead into the household's open case, or open a new case (one per household).

    A lead already received (same id) changes nothing and returns its case.
    """
    with auditing.refusals_audited(engine, actor, "case.lead", f"household:{lead.household_id}", request_id):
        require(actor.role, Permission.LEAD_CREATE)
        action_time(lead.received_at)
        with engine.begin() as conn:
            division = household_division(conn, lead.household_id, scope_prefix(actor.jurisdiction))
            current = case_store.open_case_of(conn, lead.household_id)
            if case_store.known_lead_ids(conn, [lead.lead_id]):  # a retry: the case it went into
                stored = case_store.case_of_lead(conn, lead.lead_id, lead.household_id)
                detail = {"lead": lead.lead_id, "household": lead.household_id}
                ref = f"case:{stored.case.case_id}"
                auditing.record(conn, actor, "case.lead_retry", ref, detail, request_id=request_id)
                return stored.case
            closed = {} if current else case_store.latest_closed_of(conn, [lead.household_id])
            previous = closed.get(lead.household_id)
            folded = fold_leads(current, [lead], division, calendar or default_calendar(), previous)
            save_folded(conn, [folded], {lead.household_id: division})
            auditing.record_many(conn, lead_events(actor, folded, request_id))
    return folded.case


def act_on_case(
    engine: Engine,
    case_id: str,
    action: str,
    actor: Actor,
    *,
    at: dt.datetime | None = None,
    evidence: Sequence[str] = (),
    reason: str = "",
    category: MonitoringCategory | None = None,
    risk_codes: Sequence[str] | None = None,
    calendar: WorkingCalendar | None = None,
    request_id: str = "",
) -> Case:
    """Take one workflow action on a case in the actor's scope; the guards are the domain's."""
    cal = calendar or default_calendar()
    with auditing.refusals_audited(engine, actor, f"case.{action}", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            wf, case, when = workflow_by_key(stored.workflow_key), stored.case, action_time(at)
            following = next_phase(wf, stored.division_code, local_date(when), action, case.state)
            if following is not None:  # e.g. 提出风险消除 on a monitored case: the elimination procedure begins
                case.move_to(following, stored.workflow_key)
                wf = following
            rule = wf.rule(action, case.state)
            policy = monitoring_policy(stored.division_code, local_date(when)) if rule and rule.decision else ""
            gated = ""
            if rule is not None and rule.gate == elimination.GATE:
                gated = elimination.check_gate(conn, stored, action, actor, local_date(when), reason)
            transition = case.act(
                wf, action, actor, when, evidence=evidence, reason=reason, category=category,
                risk_codes=risk_codes, calendar=cal, decision_policy=policy, basis=gated,
            )  # fmt: skip
            case_store.update(
                conn, case, expected_version=stored.version, due_on=due_on(case, wf, cal),
                workflow_key=following.key if following else None,
            )  # fmt: skip
            detail: dict[str, object] = {
                "from": transition.source,
                "to": transition.target,
                "evidence": list(transition.evidence),
                "at": transition.at.isoformat(),
            }
            if transition.decision:
                detail["policy"] = transition.decision_policy
            if following is not None:
                detail["workflow"] = following.key
            if gated:
                found = json.loads(gated)
                detail["criteria"] = {"policy": found["policy"], "method": found["method"],
                                      "flags": [r["id"] for r in found["results"] if not r["met"]]}  # fmt: skip
            auditing.record(conn, actor, f"case.{action}", f"case:{case_id}", detail, request_id=request_id)
            drafts.discard_with_step(conn, actor, case_id, action, request_id=request_id)  # the draft is done
    return case


def record_objection(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    summary: str = "",
    answer_to: str | None = None,
    answer: str = "",
    upheld: bool = False,
    at: dt.datetime | None = None,
    request_id: str = "",
) -> Case:
    """Register an objection to the public notice, or (``answer_to``) answer one."""
    action = "case.objection_answer" if answer_to else "case.objection"
    with auditing.refusals_audited(engine, actor, action, f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            wf, case, when = workflow_by_key(stored.workflow_key), stored.case, action_time(at)
            if answer_to:
                o = case.answer_objection(wf, answer_to, answer, upheld=upheld, actor=actor, at=when)
            else:
                o = case.raise_objection(wf, f"O{len(case.objections) + 1}", summary, actor, when)
            case_store.update(conn, case, expected_version=stored.version, due_on=due_on(case, wf, default_calendar()))
            detail = {"objection": o.objection_id, "upheld": o.upheld, "answered": not o.is_open}
            detail["at"] = when.isoformat()
            auditing.record(conn, actor, action, f"case:{case_id}", detail, request_id=request_id)
    return case


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case as a caseworker sees it: the aggregate, its workflow, and its time limits today."""

    case: Case
    workflow: WorkflowDefinition
    division_code: str
    deadlines: tuple[Deadline, ...]
    undated: bool = False  # the holiday calendar does not cover the years the limits reach yet
    # the procedure a step from here would move the case on to (a monitored case: risk elimination)
    following: WorkflowDefinition | None = None
    earlier: tuple[WorkflowDefinition, ...] = ()  # the workflows the case followed before its current one

    @property
    def state_label(self) -> str:
        return self.label(self.case.state)

    def label(self, state: str) -> str:
        """A state's label, from the workflow it belongs to (the current one, or one the case followed)."""
        known: tuple[WorkflowDefinition, ...] = (self.workflow, *reversed(self.earlier), *self._following())
        for wf in known:
            if state in wf.states:
                return wf.states[state].label
        return state

    def _following(self) -> tuple[WorkflowDefinition, ...]:
        return (self.following,) if self.following else ()

    def steps(self, role: Role) -> list[tuple[WorkflowDefinition, TransitionRule]]:
        """The steps ``role`` may take now, each with its workflow: the step forward on the path first,
        then the rest, then those that move the case on to the following procedure."""
        if self.case.closed:
            return []
        out = []
        for wf in (self.workflow, *self._following()):
            mine = [r for r in wf.rules_from(self.case.state) if role in r.roles]
            out += [(wf, r) for r in sorted(mine, key=lambda r: r.target not in wf.path)]
        return out


def view_case(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    today: dt.date | None = None,
    calendar: WorkingCalendar | None = None,
    request_id: str = "",
) -> CaseView:
    """One case in the actor's scope, with its deadlines as of ``today``; the read is audited."""
    with auditing.refusals_audited(engine, actor, "case.read", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_READ)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            auditing.record_read(conn, actor, "case.read", f"case:{case_id}", request_id=request_id)
    wf = workflow_by_key(stored.workflow_key)
    on = today or local_date(dt.datetime.now(dt.UTC))
    deadlines = dated_deadlines(stored.case, wf, on, calendar or default_calendar())
    return CaseView(
        stored.case, wf, stored.division_code, deadlines or (), undated=deadlines is None,
        following=following_workflow(wf, stored.division_code, on, stored.case.state),
        earlier=tuple(workflow_by_key(k) for k in stored.case.phases),
    )  # fmt: skip


def dated_deadlines(
    case: Case, wf: WorkflowDefinition, today: dt.date, calendar: WorkingCalendar
) -> tuple[Deadline, ...] | None:
    """The case's time limits on ``today``; None when the holiday calendar cannot date them yet."""
    try:
        return tuple(case.deadlines(wf, today=today, calendar=calendar))
    except DomainError as e:
        if e.code == "CALENDAR_YEAR_UNCOVERED":
            return None
        raise
