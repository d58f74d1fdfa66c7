"""One household: members (masked), income, conditions, department data, cases — an audited read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.services.households import view_household
from jingzhun.web.deps import CurrentSession, EngineDep, RequestId
from jingzhun.web.templating import templates

router = APIRouter()


@router.get("/households/{household_id}", response_class=HTMLResponse)
def household_page(
    request: Request, household_id: str, session: CurrentSession, engine: EngineDep, rid: RequestId
) -> Response:
    view = view_household(engine, household_id, session.actor, request_id=rid)
    return templates.TemplateResponse(request, "household.html", {"request": request, "session": session, "h": view})
