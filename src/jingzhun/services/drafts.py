"""Visit drafts: save, read and discard what a caseworker typed into a step's form — per author, scoped, audited.

A cadre in a household with a bad signal saves the visit form as far as it goes and comes back
to it later, on the same phone or another one (decision 0009). A draft belongs to its author
alone: it is read and written as ``(case, actor)``, so another caseworker, the auditor or the
administrator never sees it, and the case is loaded with the actor's scope first (out of scope
is *not found*, as everywhere). A draft holds person-related notes, so saving, reading and
discarding one are audit events in the same transaction (``case.draft_save``,
``case.draft_read``, ``case.draft_discard``) — the event names the step and which fields were
filled, never what was typed. Taking a step discards the actor's draft of that case in the
step's own transaction (``discard_with_step``, called by ``cases.act_on_case``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from jingzhun.adapters.db import case_store, draft_store
from jingzhun.domain.access import Permission, require, scope_prefix
from jingzhun.domain.cases import Actor, Case
from jingzhun.domain.drafts import CasePoint, DraftProblem, VisitDraft, clean_draft, is_stale
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import TransitionRule, WorkflowDefinition
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services import auditing


@dataclass(frozen=True, slots=True)
class DraftView:
    """The actor's draft of a case, where the case stood then and now, and (on a save) what was left out."""

    case_id: str
    author_id: str
    draft: VisitDraft
    saved_at: dt.datetime  # UTC
    saved_on: CasePoint
    case_now: CasePoint
    action_label: str
    saved_state_label: str
    state_label: str
    problems: tuple[DraftProblem, ...] = ()

    @property
    def stale(self) -> bool:
        """The case has moved on since the draft was saved: show the draft, do not fill the form with it."""
        return is_stale(self.saved_on, self.case_now)


def save_draft(
    engine: Engine,
    case_id: str,
    actor: Actor,
    *,
    action: str,
    category: str = "",
    risk_codes: Iterable[str] = (),
    evidence: Iterable[str] = (),
    reason: str = "",
    request_id: str = "",
    now: dt.datetime | None = None,
) -> DraftView:
    """Save (or replace) the actor's draft of one step of an open case in their scope.

    Values the step cannot take (an unknown risk code, a document it does not ask for) are left
    out and listed in ``problems``; everything else is saved. A step that does not exist in the
    case's current state is refused (DRAFT_ACTION_INVALID), as is a draft too long to store.
    """
    with auditing.refusals_audited(engine, actor, "case.draft_save", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            wf, case = workflow_by_key(stored.workflow_key), stored.case
            rule = _draftable_rule(wf, case, action, actor)
            draft, problems = clean_draft(
                rule, category=category, risk_codes=risk_codes, evidence=evidence, reason=reason
            )
            point = CasePoint(case.state, len(case.history))
            saved = draft_store.save(conn, case_id, actor.actor_id, draft, point, now or dt.datetime.now(dt.UTC))
            detail = {
                "action": draft.action,
                "state": point.state,
                "steps": point.steps,
                "filled": _filled(draft),
                "left_out": [p.code for p in problems],
            }
            auditing.record(conn, actor, "case.draft_save", f"case:{case_id}", detail, request_id=request_id)
    return _view(saved, wf, case, problems)


def read_draft(engine: Engine, case_id: str, actor: Actor, *, request_id: str = "") -> DraftView | None:
    """The actor's own draft of a case in their scope, or None; reading one is an audited event."""
    with auditing.refusals_audited(engine, actor, "case.draft_read", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.begin() as conn:
            stored = case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            found = draft_store.load(conn, case_id, actor.actor_id)
            if found is None:
                return None
            detail = {"action": found.draft.action, "saved_at": found.saved_at.isoformat()}
            auditing.record_read(conn, actor, "case.draft_read", f"case:{case_id}", detail, request_id=request_id)
    return _view(found, workflow_by_key(stored.workflow_key), stored.case)


def discard_draft(engine: Engine, case_id: str, actor: Actor, *, request_id: str = "") -> bool:
    """Discard the actor's draft of a case in their scope (放弃草稿); False when there was none."""
    with auditing.refusals_audited(engine, actor, "case.draft_discard", f"case:{case_id}", request_id):
        require(actor.role, Permission.CASE_ACT)
        with engine.begin() as conn:
            case_store.load(conn, case_id, scope_prefix(actor.jurisdiction))
            gone = draft_store.remove(conn, case_id, actor.actor_id)
            if gone is not None:
                detail = {"why": "discarded", "action": gone.draft.action}
                auditing.record(conn, actor, "case.draft_discard", f"case:{case_id}", detail, request_id=request_id)
    return gone is not None


def discard_with_step(conn: Connection, actor: Actor, case_id: str, action: str, *, request_id: str = "") -> None:
    """Inside a step's transaction: the actor's draft of the case has served its purpose, so it goes with the step."""
    gone = draft_store.remove(conn, case_id, actor.actor_id)
    if gone is not None:
        detail = {"why": "step", "step": action, "action": gone.draft.action}
        auditing.record(conn, actor, "case.draft_discard", f"case:{case_id}", detail, request_id=request_id)


def _draftable_rule(wf: WorkflowDefinition, case: Case, action: str, actor: Actor) -> TransitionRule:
    if case.closed:
        raise DomainError("CASE_CLOSED", f"案件 {case.case_id} 已结束，不能再保存草稿")
    rule = wf.rule(action, case.state)
    if rule is None:
        message = f"在“{_state_label(wf, case.state)}”环节没有“{action[:48]}”这一步"
        raise DomainError("DRAFT_ACTION_INVALID", message, field="action")
    if actor.role not in rule.roles:
        raise DomainError("ROLE_NOT_ALLOWED", f"“{rule.label or rule.action}”不由您的角色办理，不能保存它的草稿")
    return rule


def _filled(draft: VisitDraft) -> list[str]:
    present = {
        "category": draft.category is not None,
        "risk_codes": bool(draft.risk_codes),
        "evidence": bool(draft.evidence),
        "reason": bool(draft.reason.strip()),
    }
    return [name for name, there in present.items() if there]


def _state_label(wf: WorkflowDefinition, state: str) -> str:
    spec = wf.states.get(state)
    return spec.label if spec else state


def _view(
    saved: draft_store.StoredDraft, wf: WorkflowDefinition, case: Case, problems: tuple[DraftProblem, ...] = ()
) -> DraftView:
    rule = wf.rule(saved.draft.action, saved.saved_on.state)
    return DraftView(
        case_id=saved.case_id,
        author_id=saved.author_id,
        draft=saved.draft,
        saved_at=saved.saved_at,
        saved_on=saved.saved_on,
        case_now=CasePoint(case.state, len(case.history)),
        action_label=(rule.label or rule.action) if rule else saved.draft.action,
        saved_state_label=_state_label(wf, saved.saved_on.state),
        state_label=_state_label(wf, case.state),
        problems=problems,
    )
