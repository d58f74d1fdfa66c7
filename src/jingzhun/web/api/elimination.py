"""The API's elimination candidates: ``GET /elimination/candidates`` — who may be proposed for elimination, and why not.

The same use case as the ``/elimination`` page and ``jingzhun elimination candidates``
(``services.elimination_batch.find_candidates``): scoped to the token's jurisdiction, refused to
roles without case access, audited as one ``elimination.candidates`` event per call. Each call
assesses afresh on the day asked (today by default) — the candidates are a report, not stored
records — and returns one page of the households in the report's stable order (candidates
first, then by village and household), with the per-county runs (the criteria in force, or why
there were none) and the counts over all of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jingzhun.domain.elimination import EliminationMethod
from jingzhun.services.elimination_batch import Candidate, CandidateReport, CountyRun, Unmet, find_candidates
from jingzhun.web.api import models as m
from jingzhun.web.api.deps import CurrentActor, EngineDep, RequestId
from jingzhun.web.api.problems import documented

router = APIRouter(responses=documented(401))


class CandidatesQuery(m.PagedQuery):
    """The assessment day, whether to leave out the households that may not be proposed, and the page."""

    as_of: dt.date | None = Field(default=None, description="assessment day, 2000–2199; today (Beijing) if absent")
    eligible_only: bool = Field(default=False, description="only the candidates (every blocking criterion met)")
    page: int = Field(default=1, ge=1, le=m.MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=m.MAX_PAGE_SIZE)


class CountyRunOut(BaseModel):
    county: str = Field(description="six-digit county code")
    policy: str = Field(description="id@version#hash of the criteria in force, or -#CODE when there are none")
    monitored: int = Field(description="cases in monitoring that may be proposed")
    candidates: int
    problem: str = Field(description="why no criteria are in force there (its households are not assessed); empty")


class UnmetOut(BaseModel):
    criterion_id: str
    label: str
    reason: str = Field(description="why it is not met, in Chinese")


class CandidateOut(BaseModel):
    """One monitored household against the elimination criteria, with what the verdict was read from."""

    household_id: str
    case_id: str
    division_code: str
    township_code: str
    eligible: bool = Field(description="every blocking criterion met: the village may propose elimination")
    method: Literal["assistance", "natural"] = Field(description="帮扶消除 when a plan measure was started")
    method_label: str
    blocked: list[UnmetOut] = Field(description="unmet blocking criteria, in policy order")
    flagged: list[UnmetOut] = Field(description="unmet flag criteria: a proposal must give a reason")
    open_rules: list[str] = Field(description="identification rules that still fire")
    evidence: dict[str, int | bool | None] = Field(description="every value the criteria read or show (fen, counts)")
    policy: str = Field(description="id@version#hash of the criteria applied")
    as_of: dt.date = Field(description="the day assessed: the day asked, or after the newest income window")
    window: str = Field(description="the income window read, e.g. 2026-10")


class CandidateCounts(BaseModel):
    monitored: int
    candidates: int
    assistance: int = Field(description="candidates by assistance (帮扶消除)")
    natural: int = Field(description="candidates without a started measure (自然消除)")
    flagged: int = Field(description="candidates whose proposal needs a reason")


class CandidatesPage(m.PageOut):
    as_of: dt.date
    counties: list[CountyRunOut]
    counts: CandidateCounts
    refusals: dict[str, int] = Field(description="blocking criterion → households it keeps from being candidates")
    criteria: dict[str, str] = Field(description="criterion id → label")
    total: int = Field(description="households listed (candidates only with eligible_only)")
    items: list[CandidateOut]


def _unmet(u: Unmet) -> UnmetOut:
    return UnmetOut(criterion_id=u.criterion_id, label=u.label, reason=u.reason)


def _item(r: Candidate) -> CandidateOut:
    return CandidateOut(
        household_id=r.household_id, case_id=r.case_id, division_code=r.division_code, township_code=r.township_code,
        eligible=r.eligible, method=r.method.value, method_label=r.method.label,
        blocked=[_unmet(u) for u in r.blocked], flagged=[_unmet(u) for u in r.flagged], open_rules=list(r.open_rules),
        evidence=dict(r.evidence), policy=r.policy, as_of=r.as_of, window=r.window,
    )  # fmt: skip


def _run(c: CountyRun) -> CountyRunOut:
    return CountyRunOut(
        county=c.county, policy=c.policy, monitored=c.monitored, candidates=c.candidates, problem=c.problem
    )


def _page(report: CandidateReport, q: CandidatesQuery) -> CandidatesPage:
    rows = report.candidates if q.eligible_only else report.rows
    start = q.start
    methods = report.by_method()
    counts = CandidateCounts(
        monitored=len(report.rows), candidates=len(report.candidates), assistance=methods[EliminationMethod.ASSISTANCE],
        natural=methods[EliminationMethod.NATURAL], flagged=report.flagged,
    )  # fmt: skip
    return CandidatesPage(
        as_of=report.on,
        counties=[_run(c) for c in report.counties],
        counts=counts,
        refusals=dict(report.refusals()),
        criteria=dict(report.criteria),
        total=len(rows),
        items=[_item(r) for r in rows[start : start + q.page_size]],
        **q.window(len(rows)),
    )


@router.get(
    "/elimination/candidates",
    summary="Households in monitoring that may be proposed for elimination (an audited read)",
    responses=documented(403, 422),
)
def elimination_candidates(
    q: Annotated[CandidatesQuery, Query()], actor: CurrentActor, engine: EngineDep, rid: RequestId
) -> CandidatesPage:
    report = find_candidates(engine, actor, as_of=q.as_of, request_id=rid)
    return _page(report, q)
