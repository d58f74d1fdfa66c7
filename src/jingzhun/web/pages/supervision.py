""" "四个不摘" supervision in the browser: per county or township, the gaps household by household, the quality checks.

A call to ``services.supervision.supervise`` — the same scoped, audited report as ``jingzhun
supervision report`` — on the day asked (today by default; a day outside 2000–2199 is refused
beside the form and today shown instead). The summary counts, per county (``by=county``) or
township (``by=township``), the eliminated households, those keeping all four, and those with a
gap in each pillar; each gap links to its case; the quality checks are the eliminations allowed
past a flag criterion, with the reason given. ``/supervision.csv`` has one row per household
with each pillar's gaps, with a BOM for Excel and cells that cannot start a formula.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.domain.day_range import FOLLOW_UP_DAYS
from jingzhun.domain.supervision import Pillar
from jingzhun.policy.workflow_registry import shipped_workflow_list
from jingzhun.services.supervision import HouseholdSupervision, supervise
from jingzhun.web.deps import CurrentSession, EngineDep, RequestId
from jingzhun.web.pages.exports import csv_attachment
from jingzhun.web.pages.report_day import asked_day
from jingzhun.web.templating import templates

router = APIRouter()
SHOWN = 200
LEVELS = {"county": (6, "县"), "township": (9, "乡镇")}
CSV_COLUMNS = ("户编号", "案件", "村（区划）", "乡镇", "环节", "风险消除日", "四项均落实", *(p.label for p in Pillar))
# the elimination procedure's step and state names: the quality checks' gated steps, the CSV's states
ELIMINATION = [wf for wf in shipped_workflow_list() if wf.id == "elimination"]
STEP_LABELS = {r.action: r.label or r.action for wf in ELIMINATION for r in wf.transitions}
STATE_LABELS = {n: s.label for wf in ELIMINATION for n, s in wf.states.items()}


def _level(request: Request) -> str:
    by = request.query_params.get("by", "county")
    return by if by in LEVELS else "county"


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, error = asked_day(request, "day", FOLLOW_UP_DAYS)
    by = _level(request)
    report = supervise(engine, session.actor, today=day, request_id=rid)
    gaps = [(h, g) for h in report.households for g in h.gaps]
    context = {
        "session": session,
        "report": report,
        "summary": report.summary(LEVELS[by][0]),
        "level_label": LEVELS[by][1],
        "by": by,
        "pillars": list(Pillar),
        "gaps": gaps[:SHOWN],
        "gap_total": len(gaps),
        "with_gaps": sum(1 for h in report.households if h.gaps),
        "quality": report.quality[:SHOWN],
        "step_labels": STEP_LABELS,
        "state_labels": STATE_LABELS,
        "error": error,
        "day": report.day.isoformat(),
    }
    return templates.TemplateResponse(request, "supervision.html", context)


def _csv_row(h: HouseholdSupervision) -> tuple[object, ...]:
    per = {p: "；".join(g.message for g in h.gaps if g.pillar is p) for p in Pillar}
    return (h.household_id, h.case_id, h.division_code, h.division_code[:9],
            STATE_LABELS.get(h.case_state, h.case_state), h.eliminated_on,
            "否" if h.gaps else "是", *(per[p] or "落实" for p in Pillar))  # fmt: skip


@router.get("/supervision.csv")
def supervision_csv(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, _ = asked_day(request, "day", FOLLOW_UP_DAYS)
    report = supervise(engine, session.actor, today=day, request_id=rid)
    rows = (_csv_row(h) for h in report.households)
    return csv_attachment(f"supervision-{report.day:%Y%m%d}.csv", CSV_COLUMNS, rows)
