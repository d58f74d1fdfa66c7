"""One household: members (masked), income, conditions, department data, cases — an audited read.

The plan of the household's open case (一户一策) is shown with it, read through ``view_plan``
(its own audited ``plan.read``), for roles that may read plans. So are its helpers (帮扶联系人,
四个不摘's 不摘责任): the caseworkers assign one (``POST …/helpers``) and end one with a reason
(``POST …/helpers/{id}/end``); a refusal shows the page again with the message beside the form
and what was typed kept, a success comes back to the page (303).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from jingzhun.domain.access import Permission, allows
from jingzhun.domain.errors import DomainError
from jingzhun.services.auth import Session
from jingzhun.services.follow_up_reads import current_helpers
from jingzhun.services.follow_ups import assign_helper, end_helper
from jingzhun.services.households import HouseholdView, reveal_identifiers, view_household
from jingzhun.services.plans import PlanView, view_plan
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.pages.follow_up_forms import Posted
from jingzhun.web.plan_refs import members_of
from jingzhun.web.templating import templates

router = APIRouter()


def _context(
    request: Request, session: Session, engine: Engine, household_id: str, rid: str, **extra: object
) -> dict[str, object]:
    view = view_household(engine, household_id, session.actor, request_id=rid)
    return {"request": request, "session": session, "h": view, "can_unmask": _can_unmask(session),
            "helpers": current_helpers(engine, household_id, session.actor),
            "can_assign": allows(session.actor.role, Permission.CASE_ACT),
            **_open_plan(engine, view, session, rid), **extra}  # fmt: skip


@router.get("/households/{household_id}", response_class=HTMLResponse)
def household_page(
    request: Request, household_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId
) -> Response:
    context = _context(request, session, engine, household_id, rid, flash=request.query_params.get("done"))
    return templates.TemplateResponse(request, "household.html", context)


def _open_plan(engine: Engine, view: HouseholdView, session: Session, rid: str) -> dict[str, object]:
    """The plan of the household's open case (there is at most one), if the role may read plans."""
    open_case = next((c for c in view.cases if not c["closed"]), None)
    if open_case is None or not allows(session.actor.role, Permission.PLAN_READ):
        return {}
    plan: PlanView = view_plan(engine, str(open_case["case_id"]), session.actor, request_id=rid)
    return {"plan": plan, "plan_members": {m.person_id: m for m in members_of(plan)}}


def _can_unmask(session: Session) -> bool:
    return allows(session.actor.role, Permission.PERSON_UNMASK)


@router.post("/households/{household_id}/unmask", response_class=HTMLResponse)
def unmask(
    request: Request,
    household_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The household page once more, with the full identifiers for this response only (never cached)."""
    error, revealed = "", None
    try:
        revealed = reveal_identifiers(engine, household_id, session.actor, reason=reason, request_id=rid)
    except DomainError as e:
        if e.code != "REASON_MISSING":
            raise
        error = e.message
    context = _context(request, session, engine, household_id, rid, revealed=revealed, flash=error or None,
                       flash_kind="error")  # fmt: skip
    return templates.TemplateResponse(request, "household.html", context, status_code=422 if error else 200)


def _back(household_id: str, message: str) -> Response:
    return RedirectResponse(f"/households/{quote(household_id)}?done={quote(message)}#helpers", status_code=303)


def _refused(
    request: Request, session: Session, engine: Engine, household_id: str, rid: str, posted: Posted
) -> Response:
    context = _context(request, session, engine, household_id, rid, helper_form=posted,
                       flash=f"未办理：{posted.message}", flash_kind="error")  # fmt: skip
    return templates.TemplateResponse(request, "household.html", context, status_code=422)


@router.post("/households/{household_id}/helpers", response_class=HTMLResponse)
def assign(
    request: Request,
    household_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    helper_name: Annotated[str, Form(max_length=64)] = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    helper_user_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """安排帮扶联系人: a name and a unit, and the helper's own account when they have one (their work queue)."""
    posted = Posted("assign", {"helper_name": helper_name, "unit": unit, "helper_user_id": helper_user_id})
    try:
        helper = assign_helper(engine, household_id, session.actor, helper_name=posted.get("helper_name"),
                               unit=posted.get("unit"), helper_user_id=posted.get("helper_user_id").strip() or None,
                               request_id=rid)  # fmt: skip
    except DomainError as e:
        posted.refuse(e)
        return _refused(request, session, engine, household_id, rid, posted)
    return _back(household_id, f"已安排帮扶联系人 {helper.helper_name}（{helper.unit}）")


@router.post("/households/{household_id}/helpers/{assignment_id}/end", response_class=HTMLResponse)
def end(
    request: Request,
    household_id: str,
    assignment_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """调整帮扶联系人: the assignment ends today with the reason; the record stays."""
    posted = Posted(f"end-{assignment_id}", {"reason": reason})
    # the name for the message; a role that may not read households is left to the service,
    # which refuses it and audits the refusal
    current = current_helpers(engine, household_id, session.actor) if _can_read(session) else []
    try:
        end_helper(engine, household_id, assignment_id, session.actor, reason=posted.get("reason"), request_id=rid)
    except DomainError as e:
        posted.refuse(e)
        return _refused(request, session, engine, household_id, rid, posted)
    name = next((h.helper_name for h in current if h.assignment_id == assignment_id), assignment_id)
    return _back(household_id, f"已结束 {name} 的帮扶联系")


def _can_read(session: Session) -> bool:
    return allows(session.actor.role, Permission.HOUSEHOLD_READ)
