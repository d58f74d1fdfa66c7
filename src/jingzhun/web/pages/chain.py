"""The county report of the assistance chain (一户一条救助链): duplicates and omissions, per office.

A call to ``services.chain.check_chain`` — the same scoped, audited check as ``jingzhun chain
check`` — on the day asked (today by default). Findings are shown masked (person ids in the
table and inside messages); the CSV export is the same masked set, with a BOM for Excel and
cells that cannot start a formula. Only the roles that may read the report reach it
(caseworkers and the department data officer).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.domain.day_range import CHAIN_DAYS
from jingzhun.services.chain import RULE_LABELS, check_chain, masked_findings
from jingzhun.web.deps import CurrentSession, EngineDep, RequestId
from jingzhun.web.pages.exports import csv_attachment
from jingzhun.web.pages.report_day import asked_day
from jingzhun.web.templating import templates

router = APIRouter()
SHOWN = 200
CSV_COLUMNS = ("规则", "户编号", "成员", "措施", "风险", "相关记录", "起", "止", "责任部门", "乡镇", "说明")


@router.get("/chain", response_class=HTMLResponse)
def chain_report(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, error = asked_day(request, "day", CHAIN_DAYS)
    report = check_chain(engine, session.actor, check_day=day, request_id=rid)
    found = masked_findings(report.findings)
    summary = []
    if found.height:
        summary = found.group_by("rule_id", "office").len().sort("rule_id", "office").rows(named=True)
    context = {
        "session": session,
        "report": report,
        "summary": summary,
        "rows": found.head(SHOWN).rows(named=True),
        "total": found.height,
        "shown": min(SHOWN, found.height),
        "rule_labels": RULE_LABELS,
        "error": error,
        "day": report.check_day.isoformat(),
    }
    return templates.TemplateResponse(request, "chain.html", context)


@router.get("/chain.csv")
def chain_csv(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    day, _ = asked_day(request, "day", CHAIN_DAYS)
    report = check_chain(engine, session.actor, check_day=day, request_id=rid)
    found = masked_findings(report.findings)
    rows = (
        (RULE_LABELS.get(r["rule_id"], r["rule_id"]), r["household_id"], r["person_id"], r["measure_id"],
         r["risk_code"], r["record_ids"], r["day_from"], r["day_to"], r["office"], r["township_code"], r["message"])
        for r in (found.iter_rows(named=True) if found.height else ())
    )  # fmt: skip
    return csv_attachment(f"chain-{report.check_day:%Y%m%d}.csv", CSV_COLUMNS, rows)
