"""One case: its deadlines, the steps this user may take now, objections, leads and timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.access import Permission, allows
from jingzhun.domain.categories import MonitoringCategory, risk_table
from jingzhun.domain.documents import DOCUMENT_LABELS, document_label
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role, TransitionRule
from jingzhun.services.attachments import list_attachments
from jingzhun.services.auth import Session
from jingzhun.services.cases import CaseView, act_on_case, record_objection, view_case
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.templating import templates

router = APIRouter()


def _actions_for(view: CaseView, role: Role) -> list[TransitionRule]:
    """The steps this role may take now: the step forward on the procedure's path first, then the rest."""
    wf = view.workflow
    mine = [r for r in wf.rules_from(view.case.state) if role in r.roles]
    return sorted(mine, key=lambda r: r.target not in wf.path)


def _page(request: Request, session: Session, view: CaseView, **extra: object) -> dict[str, object]:
    wf, case, role = view.workflow, view.case, session.actor.role
    notice = wf.notice
    return {
        "request": request,
        "session": session,
        "view": view,
        "actions": [] if case.closed else _actions_for(view, role),
        "can_object": notice is not None and case.state == notice.state and role in notice.answer_roles,
        "can_read_households": allows(role, Permission.HOUSEHOLD_READ),
        "categories": list(MonitoringCategory),
        "risk_labels": {code: t.label for code, t in risk_table().items()},
        "document_label": document_label,
        "attachments": list_attachments(request.app.state.engine, session.actor, case.case_id),
        "document_keys": list(DOCUMENT_LABELS),
        "posted": {},
        **extra,
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    view = view_case(engine, case_id, session.actor, request_id=rid)
    flash = request.query_params.get("done")
    return templates.TemplateResponse(request, "case.html", _page(request, session, view, flash=flash))


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
        context = _page(request, session, view, flash=f"未办理：{e.message}", flash_kind="error", posted=posted)
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
        context = _page(request, session, view, flash=f"未登记：{e.message}", flash_kind="error")
        return templates.TemplateResponse(request, "case.html", context, status_code=422)
    return RedirectResponse(f"/cases/{case_id}?done=已记录异议", status_code=303)
