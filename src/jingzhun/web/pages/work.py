"""The home page of every role: my work queue — soonest due first — and my jurisdiction's counts.

Below the cases, the follow-up visits (回访) of eliminated households that are overdue or due
within two weeks, those the user is the helper of marked, each linked to its case — ids and
dates only, like the queue, so the page stays light and is not an audited read.

The auditor's home is the audit log and the administrator's the accounts page; the
assistance partner has nothing to see yet (issue 6).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jingzhun.domain.access import Permission, allows
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.follow_ups import DueStatus
from jingzhun.services.deadlines import list_cases, queue_counts
from jingzhun.services.follow_up_reads import due_list
from jingzhun.web.deps import CurrentSession, EngineDep
from jingzhun.web.templating import templates

router = APIRouter()
QUEUE_LENGTH = 50
HOMES = {Permission.AUDIT_READ: "/audit", Permission.USER_MANAGE: "/users"}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: CurrentSession, engine: EngineDep) -> Response:
    actor = session.actor
    for permission, path in HOMES.items():
        if allows(actor.role, permission):
            return RedirectResponse(path, status_code=303)
    if not allows(actor.role, Permission.CASE_READ):  # the assistance partner: no case queue
        context = {"request": request, "session": session, "rows": [], "counts": None}
        return templates.TemplateResponse(request, "home_other.html", context)
    today = local_date(dt.datetime.now(dt.UTC))
    visits = due_list(engine, actor, today=today)
    context = {
        "request": request,
        "session": session,
        "rows": list_cases(engine, actor, today=today, limit=QUEUE_LENGTH),
        "counts": queue_counts(engine, actor, today=today),
        "can_read_households": allows(actor.role, Permission.HOUSEHOLD_READ),
        "visits": [x for x in visits.items if x.status is not DueStatus.NOT_DUE][:QUEUE_LENGTH],
        "visits_overdue": visits.counts()[DueStatus.OVERDUE],
        "my_visits": visits.mine,
    }
    return templates.TemplateResponse(request, "home.html", context)
