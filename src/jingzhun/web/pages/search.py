"""Search a household by number, ID number (full or masked) or name — within the user's jurisdiction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.domain.access import Permission, require
from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import mask_identifiers
from jingzhun.services.search import search_households
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.templating import templates

router = APIRouter()


@router.get("/search", response_class=HTMLResponse)
def search_form(request: Request, session: CurrentSession) -> Response:
    require(session.actor.role, Permission.HOUSEHOLD_READ)
    context = {"request": request, "session": session, "q": "", "hits": [], "searched": False}
    return templates.TemplateResponse(request, "search.html", context)


@router.post("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: PostingSession,
    engine: EngineDep,
    rid: RequestId,
    q: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """A POST, not a GET: an ID number typed into the box must not land in URLs, history or access logs."""
    hits, error = [], ""
    try:
        hits = search_households(engine, session.actor, q, request_id=rid)
    except DomainError as e:
        if e.code != "SEARCH_TOO_SHORT":
            raise
        error = e.message
    context = {"request": request, "session": session, "q": mask_identifiers(q), "hits": hits, "error": error,
               "searched": True}  # fmt: skip
    return templates.TemplateResponse(request, "search.html", context)
