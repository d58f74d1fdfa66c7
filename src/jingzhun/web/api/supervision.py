"""The API's "四个不摘" report: ``GET /supervision`` — the summary, the gaps a page at a time, the quality checks.

The same use case as the ``/supervision`` page and ``jingzhun supervision report``
(``services.supervision.supervise``): scoped to the token's jurisdiction, refused to roles
without case access, audited as one ``supervision.report`` event per call. Each call checks
afresh on the day asked (today by default; outside 2000–2199 it is refused as
``FOLLOW_UP_DAY_INVALID``, since the schema cannot bound a date). The summary is per county or
per township (``level``); the gaps — one per household and pillar, in the report's order — come
a page at a time; the quality checks (eliminations allowed past a flag criterion) come whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jingzhun.domain.supervision import Pillar
from jingzhun.services.supervision import QualityFlag, supervise
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, RequestId
from jingzhun.web.api.problems import documented

router = APIRouter(responses=documented(401))
LEVELS = {"county": 6, "township": 9}


class SupervisionQuery(m.PagedQuery):
    """The day, the summary's level, and the page of gaps; an unknown parameter is refused, not ignored."""

    today: dt.date | None = Field(default=None, description="the day to check, 2000–2199; today (Beijing) if absent")
    level: Literal["county", "township"] = Field(default="county", description="summarise per county or township")
    page: int = Field(default=1, ge=1, le=m.MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=m.MAX_PAGE_SIZE)


class SummaryRow(BaseModel):
    """One county or township: eliminated households, those keeping all four, and those with a gap per pillar."""

    division: str = Field(description="six-digit county or nine-digit township code")
    households: int
    kept: int = Field(description="households with no gap")
    responsibility: int = Field(description="不摘责任: no helper assigned")
    policy: int = Field(description="不摘政策: a measure cut short after the elimination")
    assistance: int = Field(description="不摘帮扶: no measure still in effect")
    supervision: int = Field(description="不摘监管: the follow-up visit overdue")


class GapOut(BaseModel):
    case_id: str
    household_id: str
    division_code: str
    case_state: str
    eliminated_on: dt.date
    pillar: Pillar
    pillar_label: str
    message: str = Field(description="what is missing, with the values read, in Chinese")


class QualityOut(BaseModel):
    """An elimination step allowed past an unmet flag criterion, with the reason its taker gave."""

    case_id: str
    household_id: str
    division_code: str
    action: str
    on: dt.date
    criterion_id: str
    message: str
    reason: str


class SupervisionPage(m.PageOut):
    today: dt.date
    scope: str = Field(description="the division prefix checked (the account's jurisdiction)")
    households: int = Field(description="eliminated households checked")
    with_gaps: int
    summary: list[SummaryRow]
    quality: list[QualityOut]
    total: int = Field(description="gaps over all pages")
    items: list[GapOut]


def _quality(q: QualityFlag) -> QualityOut:
    return QualityOut(
        case_id=q.case_id, household_id=q.household_id, division_code=q.division_code, action=q.action, on=q.on,
        criterion_id=q.criterion_id, message=q.message, reason=q.reason,
    )  # fmt: skip


@router.get(
    "/supervision",
    summary='"四个不摘" of the eliminated households and the quality checks (an audited read)',
    responses=documented(403, 422),
)
def supervision(
    q: Annotated[SupervisionQuery, Query()], actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> SupervisionPage:
    report = supervise(engine, actor, today=q.today, request_id=rid)
    gaps = [
        GapOut(case_id=h.case_id, household_id=h.household_id, division_code=h.division_code, case_state=h.case_state,
               eliminated_on=h.eliminated_on, pillar=g.pillar, pillar_label=g.pillar.label, message=g.message)
        for h in report.households for g in h.gaps
    ]  # fmt: skip
    start = q.start
    return SupervisionPage(
        today=report.day,
        scope=report.scope,
        households=len(report.households),
        with_gaps=sum(1 for h in report.households if h.gaps),
        summary=[SummaryRow.model_validate(r) for r in report.summary(LEVELS[q.level])],
        quality=[_quality(x) for x in report.quality],
        total=len(gaps),
        items=gaps[start : start + q.page_size],
        **q.window(len(gaps)),
    )
