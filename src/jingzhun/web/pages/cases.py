"""One case: its deadlines, the steps this user may take now, objections, leads and timeline.

The step forms are filled from, in this order: what was just posted and refused (nothing typed
is lost), the user's own saved draft (``pages/drafts.py``) unless the case has moved on since,
and the case itself. An eliminated case also shows its follow-up visits (回访) and the form to
record one (``pages/follow_up_forms.py``); after a visit that found a new risk, the flash says
where its lead went.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.access import Permission, allows
from jingzhun.domain.categories import MonitoringCategory, risk_table
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.documents import DOCUMENT_LABELS, document_label
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, TransitionRule
from jingzhun.services.attachments import list_attachments
from jingzhun.services.auth import Session
from jingzhun.services.cases import CaseView, act_on_case, record_objection, view_case
from jingzhun.services.drafts import DraftView, read_draft
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.pages.follow_up_forms import Posted, case_follow_up_context, recorded_flash
from jingzhun.web.templating import templates

router = APIRouter()


def _actions_for(view: CaseView, role: Role) -> list[TransitionRule]:
    """The steps this role may take now: the step forward on the procedure's path first, then the rest
    (a monitored case also offers the first step of risk elimination, which moves it on to that procedure)."""
    return [r for _, r in view.steps(role)]


def draft_values(draft: DraftView) -> dict[str, object]:
    """A draft as the step form's values (the same shape as a refused post)."""
    d = draft.draft
    category = d.category.value if d.category else ""
    return {"action": d.action, "evidence": list(d.evidence), "reason": d.reason, "category": category,
            "risk_codes": list(d.risk_codes)}  # fmt: skip


def case_context(
    request: Request, session: Session, view: CaseView, rid: str, *, draft: DraftView | None = None, **extra: object
) -> dict[str, object]:
    """The case page's context; ``draft`` (else the user's stored one) fills the forms unless it is stale."""
    wf, case, role = view.workflow, view.case, session.actor.role
    notice = wf.notice
    engine = request.app.state.engine
    if draft is None and allows(role, Permission.CASE_ACT):
        draft = read_draft(engine, case.case_id, session.actor, request_id=rid)
    posted = extra.pop("posted", None) or (draft_values(draft) if draft and not draft.stale else {})
    visit = extra.pop("visit", None)  # a refused follow-up visit (``pages/follow_ups.py``)
    refused_visit = visit if isinstance(visit, Posted) else None
    return {
        "request": request,
        "session": session,
        "view": view,
        "actions": [] if case.closed else _actions_for(view, role),
        "can_object": notice is not None and case.state == notice.state and role in notice.answer_roles,
        "can_read_households": allows(role, Permission.HOUSEHOLD_READ),
        "can_read_plan": allows(role, Permission.PLAN_READ),
        "categories": list(MonitoringCategory),
        "risk_labels": {code: t.label for code, t in risk_table().items()},
        "document_label": document_label,
        "attachments": list_attachments(engine, session.actor, case.case_id),
        "document_keys": list(DOCUMENT_LABELS),
        "draft": draft,
        "draft_saved": saved_label(draft.saved_at) if draft else "",
        "posted": posted,
        **case_follow_up_context(engine, session, view, refused_visit),
        **extra,
    }


def saved_label(at: dt.datetime) -> str:
    """``14:05`` for a time today (Beijing), else ``11月3日 14:05``."""
    local, today = at.astimezone(CHINA_TZ), dt.datetime.now(CHINA_TZ).date()
    return f"{local:%H:%M}" if local.date() == today else f"{local.month}月{local.day}日 {local:%H:%M}"


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    view = view_case(engine, case_id, session.actor, request_id=rid)
    flash = recorded_flash(case_id, request.query_params.get("done"), request.query_params.get("lead"))
    return templates.TemplateResponse(request, "case.html", case_context(request, session, view, rid, flash=flash))


@router.post("/cases/{case_id}/act", response_class=HTMLResponse)
def act(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    action: Annotated[str, Form(max_length=64)],
    evidence: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
    category: Annotated[str, Form()] = "",
    risk_codes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Take one step; a refusal re-shows the case with the reason (the form keeps nothing half-done)."""
    try:
        chosen = MonitoringCategory(category) if category else None
    except ValueError:
        chosen = None
    try:
        case = act_on_case(
            engine, case_id, action, session.actor, evidence=evidence or (), reason=reason, category=chosen,
            risk_codes=risk_codes, request_id=rid,
        )  # fmt: skip
    except DomainError as e:
        if e.code.endswith("NOT_FOUND"):
            raise
        view = view_case(engine, case_id, session.actor, request_id=rid)
        # what was typed is shown again, so a refused step on a phone loses nothing
        posted = {"action": action, "evidence": evidence or [], "reason": reason, "category": category,
                  "risk_codes": risk_codes or []}  # fmt: skip
        flash = f"未办理：{e.message}"
        context = case_context(request, session, view, rid, flash=flash, flash_kind="error", posted=posted)
        return templates.TemplateResponse(request, "case.html", context, status_code=422)
    return RedirectResponse(f"/cases/{case.case_id}?done=已办理", status_code=303)


@router.post("/cases/{case_id}/objections", response_class=HTMLResponse)
def objection(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    summary: Annotated[str, Form(max_length=2000)] = "",
    answer_to: Annotated[str, Form(max_length=16)] = "",
    answer: Annotated[str, Form(max_length=2000)] = "",
    upheld: Annotated[str, Form()] = "",
) -> Response:
    try:
        record_objection(
            engine, case_id, session.actor, summary=summary, answer_to=answer_to or None, answer=answer,
            upheld=bool(upheld), request_id=rid,
        )  # fmt: skip
    except DomainError as e:
        if e.code.endswith("NOT_FOUND"):
            raise
        view = view_case(engine, case_id, session.actor, request_id=rid)
        context = case_context(request, session, view, rid, flash=f"未登记：{e.message}", flash_kind="error")
        return templates.TemplateResponse(request, "case.html", context, status_code=422)
    return RedirectResponse(f"/cases/{case_id}?done=已记录异议", status_code=303)
