"""The API's endpoints: the work queue, one case, steps and objections, leads, one household.

Each endpoint is one service call made as the token's account — scoping, permissions and the
audit trail are the services' (decision 0006) — and the answer is a typed body or a problem.
A step or an objection answers with the case as it now stands, which is read again through
``view_case`` and so audited as a read, like the page a cadre is sent back to.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from jingzhun.domain.cases import Lead
from jingzhun.domain.deadlines import local_date
from jingzhun.services.cases import act_on_case, receive_lead, record_objection, view_case
from jingzhun.services.deadlines import list_cases
from jingzhun.services.households import view_household
from jingzhun.web.api import models as m
from jingzhun.web.api import views
from jingzhun.web.api.deps import CurrentActor, EngineDep, NoQuery, RequestId
from jingzhun.web.api.problems import documented

router = APIRouter(responses=documented(401))

CaseId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x20\x7f]+$", examples=["C0123456789ab"])]
HouseholdId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x20\x7f]+$")]


@router.get("/me", summary="The account this token acts as", responses=documented(422), dependencies=[NoQuery])
def who_am_i(actor: CurrentActor) -> m.Me:
    return views.me(actor)


@router.get("/cases", summary="The work queue: soonest due first", responses=documented(403, 422))
def cases(q: Annotated[m.CaseQuery, Query()], actor: CurrentActor, engine: EngineDep) -> m.CasePage:
    """Open (or all) cases of the account's jurisdiction; a list holds no person data and is not an audited read.

    The page is an SQL ``LIMIT``/``OFFSET`` over the queue's order; one row more than the page
    tells whether a next page exists.
    """
    today = local_date(dt.datetime.now(dt.UTC))
    rows = list_cases(
        engine, actor, today=today, overdue_only=q.overdue, include_closed=q.include_closed,
        limit=q.page_size + 1, offset=(q.page - 1) * q.page_size,
    )  # fmt: skip
    items = [views.queue_item(r) for r in rows[: q.page_size]]
    next_page = q.page + 1 if len(rows) > q.page_size else None
    return m.CasePage(items=items, page=q.page, page_size=q.page_size, next_page=next_page)


@router.get(
    "/cases/{case_id}",
    summary="One case (an audited read)",
    responses=documented(403, 404, 422),
    dependencies=[NoQuery],
)
def case(case_id: CaseId, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> m.CaseOut:
    return views.case_out(view_case(engine, case_id, actor, request_id=rid), actor)


@router.post(
    "/cases/{case_id}/actions",
    summary="Take one step of the case's workflow",
    responses=documented(400, 403, 404, 409, 422),
    dependencies=[NoQuery],
)
def act(case_id: CaseId, body: m.ActionIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> m.CaseOut:
    """A refused step changes nothing and answers with the workflow's reason (e.g. 422 EVIDENCE_MISSING)."""
    act_on_case(
        engine, case_id, body.action, actor, evidence=body.evidence, reason=body.reason, category=body.category,
        risk_codes=body.risk_codes, request_id=rid,
    )  # fmt: skip
    return views.case_out(view_case(engine, case_id, actor, request_id=rid), actor)


@router.post(
    "/cases/{case_id}/objections",
    summary="Record an objection to the public notice, or answer one",
    responses=documented(400, 403, 404, 409, 422),
    dependencies=[NoQuery],
)
def objection(
    case_id: CaseId, body: m.NewObjection | m.ObjectionAnswer, actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> m.CaseOut:
    if isinstance(body, m.ObjectionAnswer):
        record_objection(
            engine, case_id, actor, answer_to=body.answer_to, answer=body.answer, upheld=body.upheld, request_id=rid
        )
    else:
        record_objection(engine, case_id, actor, summary=body.summary, request_id=rid)
    return views.case_out(view_case(engine, case_id, actor, request_id=rid), actor)


@router.post(
    "/leads", status_code=201, summary="Receive a lead: merged into the household's open case, or a new case",
    responses=documented(400, 403, 404, 409, 422), dependencies=[NoQuery],
)  # fmt: skip
def lead(body: m.LeadIn, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> m.LeadReceived:
    """A lead id already received for the same household is a retry: it changes nothing and names its case."""
    lead_id = body.lead_id or f"A-{uuid.uuid4().hex[:16]}"
    item = Lead(
        lead_id, body.household_id, body.channel, dt.datetime.now(dt.UTC), source=body.source,
        department=body.department, suggested_category=body.category, suggested_risk_codes=tuple(body.risk_codes),
    )  # fmt: skip
    case = receive_lead(engine, item, actor, request_id=rid)
    return m.LeadReceived(
        lead_id=lead_id, case_id=case.case_id, household_id=case.household_id, state=case.state,
        leads_in_case=len(case.leads),
    )  # fmt: skip


@router.get(
    "/households/{household_id}",
    summary="One household, masked (an audited read)",
    responses=documented(403, 404, 422),
    dependencies=[NoQuery],
)
def household(household_id: HouseholdId, actor: CurrentActor, engine: EngineDep, rid: RequestId) -> m.HouseholdOut:
    return views.household_out(view_household(engine, household_id, actor, request_id=rid))
