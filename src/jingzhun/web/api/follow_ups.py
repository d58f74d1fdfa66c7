"""The API's follow-ups (回访): ``GET /follow-ups`` — the due list — and ``POST /cases/{id}/follow-ups`` — a visit.

The same use cases as the ``/follow-ups`` page and ``jingzhun follow-up``: the due list is
``services.follow_up_reads.due_list`` (ids and dates, like the work queue: not an audited read),
soonest due first, one page at a time, with the households the token's account is the helper of
marked; a day outside 2000–2199 is refused as ``FOLLOW_UP_DAY_INVALID`` (the schema cannot bound
a date). A visit is ``services.follow_ups.record_follow_up``, audited; one that finds a new risk
answers with the case its lead went to — the tracked case itself, or a new case that names the
eliminated one it re-opens (``follows``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from jingzhun.domain.deadlines import local_date
from jingzhun.domain.follow_ups import DueStatus, Finding
from jingzhun.services.follow_up_reads import DueList, due_list
from jingzhun.services.follow_ups import FollowUpDue, record_follow_up
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, NoQuery, RequestId
from jingzhun.web.api.problems import documented
from jingzhun.web.api.routes import CaseId

router = APIRouter(responses=documented(401))


class FollowUpsQuery(m.PagedQuery):
    """The day, the filters and the page; an unknown parameter is refused, not ignored."""

    today: dt.date | None = Field(default=None, description="the day to compute for, 2000–2199; today (Beijing)")
    overdue_only: bool = Field(default=False, description="only the follow-ups whose due day has passed")
    mine: bool = Field(default=False, description="only the households this account is the helper of")
    page: int = Field(default=1, ge=1, le=m.MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=m.MAX_PAGE_SIZE)


class FollowUpOut(BaseModel):
    """One eliminated household's next visit: ids and dates, no person data."""

    case_id: str
    household_id: str
    division_code: str
    case_state: str = Field(description="eliminated (tracked) or detached")
    case_state_label: str
    eliminated_on: dt.date = Field(description="the day the county approved the elimination")
    last_visit: dt.date | None = Field(description="the latest visit since the elimination, if any")
    due_on: dt.date = Field(description="the next visit is due by this day")
    status: DueStatus
    status_label: str
    helpers: list[str] = Field(description="the names of the helpers assigned on the day")
    mine: bool = Field(description="this account is one of the household's helpers")


class FollowUpCounts(BaseModel):
    overdue: int
    due_soon: int = Field(description="due within 14 days")
    not_due: int


class FollowUpPage(m.PageOut):
    today: dt.date
    counts: FollowUpCounts = Field(description="over every follow-up listed (all pages)")
    total: int
    items: list[FollowUpOut]


class VisitIn(BaseModel):
    """One visit: when, what it found, the suspected risks of a new one, what the helper saw."""

    model_config = ConfigDict(extra="forbid")

    visited_on: dt.date | None = Field(default=None, description="not after today, not before the elimination")
    finding: Finding = Field(description="stable: 稳定，无新风险; new_risk: 发现新风险 (raises a lead)")
    note: m.FreeText = Field(min_length=1, max_length=2000, description="income, work, 三保障 … in Chinese")
    risk_codes: list[m.Code] = Field(default=[], max_length=20, description="suspected risks; only with new_risk",
                                     examples=[["01"]])  # fmt: skip


class LeadCase(BaseModel):
    case_id: str
    joined: bool = Field(description="true: the lead joined the tracked case itself, for the county to roll back")
    follows: str = Field(description="the eliminated case a new case re-opens; empty when it joined")
    state: str


class VisitRecorded(BaseModel):
    follow_up_id: str
    case_id: str
    visited_on: dt.date
    finding: Finding
    finding_label: str
    lead_case: LeadCase | None = Field(description="where a new risk's lead went; null for a stable visit")


def _item(x: FollowUpDue, found: DueList) -> FollowUpOut:
    return FollowUpOut(
        case_id=x.case_id, household_id=x.household_id, division_code=x.division_code, case_state=x.case_state,
        case_state_label=x.state_label or x.case_state, eliminated_on=x.eliminated_on, last_visit=x.last_visit,
        due_on=x.due_on, status=x.status, status_label=x.status.label, helpers=list(x.helpers),
        mine=x.case_id in found.mine,
    )  # fmt: skip


@router.get(
    "/follow-ups", summary="Follow-up visits due in the jurisdiction, soonest first", responses=documented(403, 422)
)
def follow_ups(q: Annotated[FollowUpsQuery, Query()], actor: CurrentActor, engine: EngineDep) -> FollowUpPage:
    found = due_list(engine, actor, today=q.today, overdue_only=q.overdue_only, mine=q.mine)
    counts = found.counts()
    tally = FollowUpCounts(
        overdue=counts[DueStatus.OVERDUE], due_soon=counts[DueStatus.DUE_SOON], not_due=counts[DueStatus.NOT_DUE]
    )
    start = q.start
    return FollowUpPage(
        today=found.day,
        counts=tally,
        total=len(found.items),
        items=[_item(x, found) for x in found.items[start : start + q.page_size]],
        **q.window(len(found.items)),
    )


@router.post(
    "/cases/{case_id}/follow-ups", status_code=201, summary="Record a follow-up visit to an eliminated household",
    responses=documented(400, 403, 404, 409, 422), dependencies=[NoQuery],
)  # fmt: skip
def record_visit(
    case_id: CaseId, body: VisitIn, actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> VisitRecorded:
    """A refused visit records nothing (e.g. 422 FOLLOW_UP_NOT_ELIMINATED, FOLLOW_UP_RISK_MISSING, TIME_IN_FUTURE)."""
    day = body.visited_on or local_date(dt.datetime.now(dt.UTC))
    follow_up_id, case = record_follow_up(
        engine, case_id, actor, visited_on=day, finding=body.finding, note=body.note,
        risk_codes=tuple(body.risk_codes), request_id=rid,
    )  # fmt: skip
    lead = None
    if case is not None:
        lead = LeadCase(case_id=case.case_id, joined=case.case_id == case_id, follows=case.follows, state=case.state)
    return VisitRecorded(follow_up_id=follow_up_id, case_id=case_id, visited_on=day, finding=body.finding,
                         finding_label=body.finding.label, lead_case=lead)  # fmt: skip
