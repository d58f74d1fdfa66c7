"""A village's public notice (公示): an HTML preview and the printable PDF — both audited reads.

The PDF route is declared first: ``/notices/{village_code}`` would otherwise also match
``….pdf``. ``kind`` picks the notice (``identification``, the default, or ``elimination``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.services.notices import cn_date, cn_period, village_notice, village_notice_pdf
from jingzhun.web.deps import CurrentSession, EngineDep, RequestId
from jingzhun.web.templating import templates

router = APIRouter()

Kind = Annotated[str, Query(max_length=32)]


@router.get("/notices/{village_code}.pdf", response_class=Response)
def notice_pdf(
    village_code: str, session: CurrentSession, engine: EngineDep, rid: RequestId, kind: Kind = "identification"
) -> Response:
    body = village_notice_pdf(engine, session.actor, village_code, kind=kind, request_id=rid)
    disposition = f'inline; filename="notice-{kind}-{village_code}.pdf"'  # both checked by the service by now
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/notices/{village_code}", response_class=HTMLResponse)
def notice_page(
    request: Request,
    village_code: str,
    session: CurrentSession,
    engine: EngineDep,
    rid: RequestId,
    kind: Kind = "identification",
) -> Response:
    notice = village_notice(engine, session.actor, village_code, kind=kind, request_id=rid)
    context = {"request": request, "session": session, "notice": notice, "cn_date": cn_date, "cn_period": cn_period}
    return templates.TemplateResponse(request, "notices.html", context)
