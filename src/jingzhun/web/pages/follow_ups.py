"""Follow-up visits (回访) in the browser: the jurisdiction's due list, and recording a visit from the case page.

``GET /follow-ups`` is ``services.follow_up_reads.due_list`` — every eliminated household of the
jurisdiction with its next visit, overdue first by due day, coloured like the work queue
(已逾期 red, 即将到期 yellow, 未到期 green); ``overdue=1`` keeps the overdue ones, ``mine=1`` the
households the user is the helper of. Like the work queue it is ids and dates, not an audited
read. ``POST /cases/{id}/follow-ups`` is ``record_follow_up``: a refusal shows the case page
again with the message beside the field and everything typed kept; a success goes back to the
case, whose flash says where a new risk's lead went (``pages/follow_up_forms.recorded_flash``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.follow_ups import Finding
from jingzhun.services.cases import view_case
from jingzhun.services.follow_up_reads import due_list
from jingzhun.services.follow_ups import record_follow_up
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.pages.cases import case_context
from jingzhun.web.pages.follow_up_forms import Posted
from jingzhun.web.templating import templates

router = APIRouter()
SHOWN = 200


@router.get("/follow-ups", response_class=HTMLResponse)
def follow_ups_page(request: Request, session: CurrentSession, engine: EngineDep) -> Response:
    overdue, mine = request.query_params.get("overdue") == "1", request.query_params.get("mine") == "1"
    found = due_list(engine, session.actor, overdue_only=overdue, mine=mine)
    context = {
        "session": session,
        "found": found,
        "rows": found.items[:SHOWN],
        "counts": {s.value: n for s, n in found.counts().items()},
        "overdue": overdue,
        "mine": mine,
    }
    return templates.TemplateResponse(request, "follow_ups.html", context)


@router.post("/cases/{case_id}/follow-ups", response_class=HTMLResponse)
def record_visit(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    visited_on: Annotated[str, Form(max_length=32)] = "",
    finding: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    risk_codes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """记录回访: the visit's day (today if empty), what it found, the suspected risks of a new one, a note."""
    posted = Posted("visit", {"visited_on": visited_on, "finding": finding, "note": note},
                    {"risk_codes": [c[:16] for c in risk_codes or ()][:20]})  # fmt: skip
    day = posted.day("visited_on") or local_date(dt.datetime.now(dt.UTC))
    try:
        found = Finding(finding)
    except ValueError:
        posted.errors["finding"] = "请选择回访结果：稳定，无新风险；或发现新风险"
    if not posted.errors:
        try:
            _, lead_case = record_follow_up(
                engine, case_id, session.actor, visited_on=day, finding=found, note=posted.get("note"),
                risk_codes=tuple(posted.ticked["risk_codes"]), request_id=rid,
            )  # fmt: skip
        except DomainError as e:
            posted.refuse(e)
        else:
            query = {"done": f"已记录回访（{found.label}）"} | ({"lead": lead_case.case_id} if lead_case else {})
            return RedirectResponse(f"/cases/{quote(case_id)}?{urlencode(query)}#follow-up", status_code=303)
    view = view_case(engine, case_id, session.actor, request_id=rid)
    context = case_context(request, session, view, rid, flash=f"未记录回访：{posted.message}", flash_kind="error",
                           visit=posted)  # fmt: skip
    return templates.TemplateResponse(request, "case.html", context, status_code=422)
