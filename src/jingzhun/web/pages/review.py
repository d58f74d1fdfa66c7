"""Batch review: the cases waiting for this township reviewer or county approver, decided together.

Each selected case carries its own reason; each is approved in its own transaction (see
``services.review``), and the page reports every case's outcome.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from jingzhun.domain.deadlines import local_date
from jingzhun.domain.documents import document_label
from jingzhun.policy.workflow_registry import workflow_by_key
from jingzhun.services.auth import Session
from jingzhun.services.review import APPROVE, Decision, act_on_many, review_queue
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.templating import templates

router = APIRouter()


def _context(request: Request, session: Session, engine: Engine, **extra: object) -> dict[str, object]:
    rows = review_queue(engine, session.actor, today=local_date(dt.datetime.now(dt.UTC)))
    evidence: list[str] = []
    for row in rows:  # the documents the approval step asks for, in the workflows of these cases
        rule = workflow_by_key(row.workflow_key).rule(APPROVE, row.state)
        evidence += [k for k in (rule.evidence if rule else ()) if k not in evidence]
    return {"request": request, "session": session, "rows": rows, "evidence": evidence,
            "document_label": document_label, **extra}  # fmt: skip


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: CurrentSession, engine: EngineDep) -> Response:
    return templates.TemplateResponse(request, "review.html", _context(request, session, engine))


@router.post("/review", response_class=HTMLResponse)
async def review_batch(request: Request, session: PostingSession, engine: EngineDep, rid: RequestId) -> Response:
    form = await request.form()
    chosen = [str(v) for v in form.getlist("case_id")]
    decisions = [Decision(case_id, str(form.get(f"reason_{case_id}", ""))[:2000]) for case_id in chosen]
    evidence = [str(v) for v in form.getlist("evidence")]
    outcomes = act_on_many(engine, session.actor, APPROVE, decisions, evidence=evidence, request_id=rid)
    done = sum(o.done for o in outcomes)
    flash = f"已审核通过 {done} 件" + (f"，{len(outcomes) - done} 件未办理（见下）" if done < len(outcomes) else "")
    context = _context(request, session, engine, outcomes=outcomes, flash=flash,
                       flash_kind="ok" if done == len(outcomes) else "error")  # fmt: skip
    return templates.TemplateResponse(request, "review.html", context)
