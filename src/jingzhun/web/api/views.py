"""From the services' views to the API's bodies: labels added, times in UTC and Beijing time.

What a case offers an account (``actions``, ``can_object``) is read from the case's own
workflow — the one stored with it when it opened — and the account's role, like the case page;
the service still checks everything when a step is posted.
"""

from __future__ import annotations

import datetime as dt

from jingzhun.domain.access import GRANTS, ROLE_LABELS
from jingzhun.domain.cases import Actor, Lead, Objection, Transition
from jingzhun.domain.categories import risk_table
from jingzhun.domain.deadlines import CHINA_TZ, Deadline, utc
from jingzhun.domain.documents import document_label
from jingzhun.domain.workflow import Role, TransitionRule, WorkflowDefinition
from jingzhun.services.assessment import Assessment, LiveWarning
from jingzhun.services.cases import CaseView
from jingzhun.services.deadlines import QueueRow
from jingzhun.services.households import HouseholdView
from jingzhun.web.api import models as m


def instant(at: dt.datetime) -> m.Instant:
    """``at`` in UTC and Beijing time; a naive value read from the store is UTC (SQLite drops the zone)."""
    moment = utc(at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC))
    return m.Instant(utc=moment, beijing=moment.astimezone(CHINA_TZ))


def me(actor: Actor) -> m.Me:
    granted = sorted(GRANTS.get(actor.role, frozenset()))
    return m.Me(
        user_id=actor.actor_id,
        role=actor.role,
        role_label=ROLE_LABELS[actor.role],
        jurisdiction=actor.jurisdiction,
        permissions=granted,
    )


def queue_item(row: QueueRow) -> m.QueueItem:
    return m.QueueItem(
        case_id=row.case_id,
        household_id=row.household_id,
        division_code=row.division_code,
        state=row.state,
        state_label=row.state_label,
        opened_at=instant(row.opened_at),
        due_on=row.due_on,
        deadline_status=row.status,
        deadline_status_label=row.status.label if row.status else None,
        deadline_subject=row.subject or None,
    )


def _state_label(wf: WorkflowDefinition, state: str) -> str:
    spec = wf.states.get(state)
    return spec.label if spec else state


def _documents(keys: tuple[str, ...]) -> list[m.Labelled]:
    return [m.Labelled(code=k, label=document_label(k)) for k in keys]


def _deadline(wf: WorkflowDefinition, d: Deadline) -> m.DeadlineOut:
    limit = m.Limit(days=d.limit.days, kind=d.limit.kind, roll_forward=d.limit.roll_forward, text=str(d.limit))
    return m.DeadlineOut(
        subject=d.subject,
        subject_label="整个程序" if d.subject == "procedure" else _state_label(wf, d.subject),
        started=d.started,
        limit=limit,
        due=d.due,
        done=d.done,
        running=d.running,
        status=d.status,
        status_label=d.status.label,
        colour=d.status.colour,
    )


def _action(wf: WorkflowDefinition, r: TransitionRule) -> m.ActionOut:
    return m.ActionOut(
        action=r.action,
        label=r.label or r.action,
        target=r.target,
        target_label=_state_label(wf, r.target),
        evidence=_documents(r.evidence),
        needs_reason=r.needs_reason,
        sets_codes=r.sets_codes,
        review=r.review,
        decision=r.decision,
        after_notice=r.after_notice,
    )


def _actions(view: CaseView, role: Role) -> list[m.ActionOut]:
    """The steps this role may take now: the step forward on the procedure's path first (as the page)."""
    return [_action(wf, r) for wf, r in view.steps(role)]


def _lead(x: Lead) -> m.LeadOut:
    return m.LeadOut(
        lead_id=x.lead_id,
        channel=x.channel,
        channel_label=x.channel.label,
        received_at=instant(x.received_at),
        source=x.source,
        department=x.department,
        suggested_category=x.suggested_category,
        suggested_risk_codes=list(x.suggested_risk_codes),
    )


def _transition(view: CaseView, t: Transition) -> m.TransitionOut:
    return m.TransitionOut(
        seq=t.seq,
        action=t.action,
        source=t.source,
        target=t.target,
        target_label=view.label(t.target),
        actor_id=t.actor_id,
        actor_role=t.actor_role,
        at=instant(t.at),
        reason=t.reason,
        evidence=_documents(t.evidence),
        review=t.review,
        decision=t.decision,
        category=t.category,
        risk_codes=list(t.risk_codes),
        workflow=m.PolicyRef(id=t.policy_id, version=t.policy_version, hash=t.policy_hash),
        decision_policy=t.decision_policy or None,
    )


def _objection(o: Objection) -> m.ObjectionOut:
    return m.ObjectionOut(
        objection_id=o.objection_id,
        raised_at=instant(o.raised_at),
        summary=o.summary,
        recorded_by=o.recorded_by,
        open=o.is_open,
        answered_at=instant(o.answered_at) if o.answered_at else None,
        answer=o.answer,
        answered_by=o.answered_by,
        notice_seq=o.notice_seq or None,
        upheld=o.upheld,
    )


def case_out(view: CaseView, actor: Actor) -> m.CaseOut:
    case, wf = view.case, view.workflow
    risks = risk_table()
    notice = wf.notice
    return m.CaseOut(
        case_id=case.case_id,
        household_id=case.household_id,
        division_code=view.division_code,
        workflow=m.WorkflowRef(key=wf.key, id=wf.id, version=wf.version, title=wf.title),
        state=case.state,
        state_label=view.state_label,
        closed=case.closed,
        opened_at=instant(case.opened_at),
        category=case.category,
        category_label=case.category.label if case.category else None,
        risk_codes=[m.Labelled(code=c, label=risks[c].label if c in risks else c) for c in case.risk_codes],
        leads=[_lead(x) for x in case.leads],
        history=[_transition(view, t) for t in case.history],
        objections=[_objection(o) for o in case.objections],
        deadlines=[_deadline(wf, d) for d in view.deadlines],
        deadlines_undated=view.undated,
        actions=_actions(view, actor.role),
        can_object=notice is not None and case.state == notice.state and actor.role in notice.answer_roles,
    )


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def _warning(w: LiveWarning) -> m.LiveWarning:
    return m.LiveWarning(
        category=w.category,
        category_label=w.category.label if w.category else None,
        risk_codes=[m.Labelled(code=r.code, label=r.label) for r in w.risks],
        rule_ids=list(w.rule_ids),
        reasons=list(w.reasons),
        evidence={e.name: e.value for e in w.evidence},
    )


def assessment_out(a: Assessment) -> m.Assessment:
    policy = a.policy
    return m.Assessment(
        as_of=a.as_of,
        window_start=str(a.window_start),
        window_end=str(a.window_end),
        members=a.members,
        net_income_fen=a.net_income_fen,
        per_capita_income_fen=a.per_capita_income_fen,
        policy=m.PolicyRef(id=policy.policy_id, version=policy.version, hash=policy.content_hash) if policy else None,
        threshold_fen=policy.threshold_fen if policy else None,
        below_threshold=a.below_threshold,
        no_policy_reason=a.no_policy_reason,
        warning=_warning(a.warning) if a.warning else None,
        missing_window=str(a.missing_window) if a.missing_window else None,
    )


def household_out(view: HouseholdView) -> m.HouseholdOut:
    return m.HouseholdOut(
        household_id=view.household_id,
        division_code=view.division_code,
        alleviated=view.alleviated,
        alleviated_year=view.alleviated_year,
        address=view.address,
        phone_masked=view.phone_masked,
        members=[m.Member.model_validate(x, from_attributes=True) for x in view.members],
        income=[m.Income.model_validate(x) for x in view.income],
        conditions=m.Conditions.model_validate(view.conditions) if view.conditions else None,
        events=[
            m.Event(
                source=str(e["source"]),
                event_type=str(e["event_type"]),
                event_date=e["event_date"],  # type: ignore[arg-type]
                amount_fen=_opt_int(e.get("amount_fen")),
                person_id_masked=str(e["person_id"]) if e.get("person_id") else None,
            )
            for e in view.events
        ],
        cases=[
            m.HouseholdCase(
                case_id=str(c["case_id"]),
                state=str(c["state"]),
                state_label=str(c["state_label"]),
                opened_at=instant(c["opened_at"]),  # type: ignore[arg-type]
                closed=bool(c["closed"]),
            )
            for c in view.cases
        ],
        assessment=assessment_out(view.assessment),
    )
