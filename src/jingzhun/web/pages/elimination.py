"""The county batch of risk-elimination candidates (风险消除候选): who may be proposed, by which method, and why not.

A call to ``services.elimination_batch.find_candidates`` — the same scoped, audited batch as
``jingzhun elimination candidates`` — on the day asked (today by default). The page shows the
candidates by method (帮扶消除 / 自然消除), the refusals by criterion and the candidates, each
linked to its case, where the village proposes elimination; ``all`` lists the households that
may not be proposed yet with each unmet criterion's reason. The CSV export has every household,
with a BOM for Excel and cells that cannot start a formula. Only the casework roles reach it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.domain.day_range import ELIMINATION_DAYS
from jingzhun.services.elimination_batch import Candidate, find_candidates
from jingzhun.web.deps import CurrentSession, EngineDep, RequestId
from jingzhun.web.pages.exports import csv_attachment
from jingzhun.web.pages.report_day import asked_day
from jingzhun.web.templating import templates

router = APIRouter()
SHOWN = 200
CSV_COLUMNS = ("户编号", "案件", "村（区划）", "乡镇", "结论", "消除方式", "未满足的条件", "原因", "须说明理由",
               "仍触发的识别规则", "评估日", "收入窗口", "风险消除条件")  # fmt: skip


@router.get("/elimination", response_class=HTMLResponse)
def elimination_candidates(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, error = asked_day(request, "as_of", ELIMINATION_DAYS)
    everyone = request.query_params.get("all") == "1"
    report = find_candidates(engine, session.actor, as_of=day, request_id=rid)
    context = {
        "session": session,
        "report": report,
        "candidates": report.candidates[:SHOWN],
        "others": report.others[:SHOWN] if everyone else (),
        "shown": SHOWN,
        "all": everyone,
        "error": error,
        "day": report.on.isoformat(),
    }
    return templates.TemplateResponse(request, "elimination.html", context)


def _csv_row(r: Candidate) -> tuple[object, ...]:
    return (
        r.household_id, r.case_id, r.division_code, r.township_code, "可提出消除" if r.eligible else "暂不符合",
        r.method.label, "、".join(u.label for u in r.blocked), "；".join(u.reason for u in r.blocked),
        "；".join(u.reason for u in r.flagged), ";".join(r.open_rules), r.as_of, r.window, r.policy,
    )  # fmt: skip


@router.get("/elimination.csv")
def elimination_csv(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, _ = asked_day(request, "as_of", ELIMINATION_DAYS)
    report = find_candidates(engine, session.actor, as_of=day, request_id=rid)
    return csv_attachment(f"elimination-{report.on:%Y%m%d}.csv", CSV_COLUMNS, (_csv_row(r) for r in report.rows))
