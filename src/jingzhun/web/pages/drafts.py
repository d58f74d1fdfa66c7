"""Saving and discarding a visit draft from the case page (保存草稿 · 放弃草稿).

"保存草稿" is a second submit button of each step form, posting the same fields to its own
route (``formaction``, with ``formnovalidate`` so a half-filled form can be saved): the step
handler stays exactly the step, and a draft save has its own URL in the permission matrix and
its own audit event. A refused save re-shows the form with everything as typed (422); a save
that had to leave a value out says which, on the page it answers with.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.access import ACCESS_CODES
from jingzhun.domain.errors import DomainError
from jingzhun.services.cases import view_case
from jingzhun.services.drafts import discard_draft, save_draft
from jingzhun.web.deps import EngineDep, PostingSession, RequestId
from jingzhun.web.pages.cases import case_context
from jingzhun.web.templating import templates

router = APIRouter()


@router.post("/cases/{case_id}/draft", response_class=HTMLResponse)
def save(
    request: Request,
    case_id: str,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    action: Annotated[str, Form(max_length=64)],
    evidence: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str, Form(max_length=20_000)] = "",  # the draft's own limit is checked with a Chinese message
    category: Annotated[str, Form(max_length=64)] = "",
    risk_codes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        saved = save_draft(
            engine, case_id, session.actor, action=action, category=category, risk_codes=risk_codes or (),
            evidence=evidence or (), reason=reason, request_id=rid,
        )  # fmt: skip
    except DomainError as e:
        if e.code in ACCESS_CODES or e.code.endswith("NOT_FOUND"):
            raise
        view = view_case(engine, case_id, session.actor, request_id=rid)
        posted = {"action": action, "evidence": evidence or [], "reason": reason, "category": category,
                  "risk_codes": risk_codes or []}  # fmt: skip
        flash = f"草稿未保存：{e.message}"
        context = case_context(request, session, view, rid, flash=flash, flash_kind="error", posted=posted)
        return templates.TemplateResponse(request, "case.html", context, status_code=422)
    if saved.problems:  # saved, less what could not be kept: say so where the form is
        view = view_case(engine, case_id, session.actor, request_id=rid)
        flash = "草稿已保存，但有内容未能保存：" + "；".join(p.message for p in saved.problems)
        context = case_context(request, session, view, rid, draft=saved, flash=flash, flash_kind="error")
        return templates.TemplateResponse(request, "case.html", context)
    return RedirectResponse(f"/cases/{quote(case_id)}?done={quote('草稿已保存')}", status_code=303)


@router.post("/cases/{case_id}/draft/discard")
def discard(case_id: str, session: PostingSession, engine: EngineDep, rid: RequestId) -> Response:
    gone = discard_draft(engine, case_id, session.actor, request_id=rid)
    done = "已放弃草稿" if gone else "没有可放弃的草稿"
    return RedirectResponse(f"/cases/{quote(case_id)}?done={quote(done)}", status_code=303)
