"""One household: members (masked), income, conditions, department data, cases — an audited read.

The plan of the household's open case (一户一策) is shown with it, read through ``view_plan``
(its own audited ``plan.read``), for roles that may read plans.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from jingzhun.domain.access import Permission, allows
from jingzhun.domain.errors import DomainError
from jingzhun.services.auth import Session
from jingzhun.services.households import HouseholdView, reveal_identifiers, view_household
from jingzhun.services.plans import PlanView, view_plan
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.plan_refs import members_of
from jingzhun.web.templating import templates

router = APIRouter()


@router.get("/households/{household_id}", response_class=HTMLResponse)
def household_page(
    request: Request, household_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId
) -> Response:
    view = view_household(engine, household_id, session.actor, request_id=rid)
    context = {"request": request, "session": session, "h": view, "can_unmask": _can_unmask(session),
               **_open_plan(engine, view, session, rid)}  # fmt: skip
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
    view = view_household(engine, household_id, session.actor, request_id=rid)
    context = {"request": request, "session": session, "h": view, "can_unmask": _can_unmask(session),
               "revealed": revealed, "flash": error or None, "flash_kind": "error",
               **_open_plan(engine, view, session, rid)}  # fmt: skip
    return templates.TemplateResponse(request, "household.html", context, status_code=422 if error else 200)
