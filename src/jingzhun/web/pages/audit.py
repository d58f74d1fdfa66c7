"""The auditor's workplace: the audit log of the jurisdiction, the chain check, and the CSV export.

Everything is a call to ``services.auditing`` — the same scoped, audited use cases as
``jingzhun audit log|verify``: a page view is one ``audit.read`` event, an export one
``audit.export``, a check of the chain one ``audit.verify``. Record references and details are
masked by the services when the events are written; nothing here unmasks. Filters travel in the
query string (dates, account ids and action names — never a person's identifier), so a page of
the log can be bookmarked and handed to a colleague.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.audit import AuditEvent
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.domain.errors import DomainError
from jingzhun.domain.workflow import Role
from jingzhun.services.auditing import RESULTS, LogFilter, export_log, read_log, verify_chain
from jingzhun.web.deps import CurrentSession, EngineDep, PostingSession, RequestId
from jingzhun.web.pages.exports import csv_bytes  # every cell formula-safe: a refused login's name is whoever typed it
from jingzhun.web.templating import beijing, templates

router = APIRouter()
PAGE_SIZE = 50
RESULT_LABELS = {"ok": "成功", "denied": "拒绝", "failed": "未通过"}
ACTION_LABELS = {
    "auth.login": "登录", "auth.logout": "退出", "auth.token": "API 令牌认证",
    "user.create": "新建账号", "user.deactivate": "停用账号", "user.set_password": "设置密码",
    "user.api_token": "签发 API 令牌", "user.list": "查看账号列表", "user.read": "查看账号",
    "audit.read": "查看审计日志", "audit.export": "导出审计日志", "audit.verify": "校验审计链",
    "household.read": "查看农户", "household.search": "查找农户", "person.unmask": "查看完整证件号",
    "case.read": "查看案件", "case.open": "立案", "case.lead": "收到线索", "case.merge_lead": "线索并案",
    "case.draft_save": "保存草稿", "case.draft_read": "读取草稿", "case.draft_discard": "放弃草稿",
    "attachment.add": "上传材料", "attachment.read": "查看材料", "notice.read": "查看公示",
    "registry.import": "导入数据", "deadline.daily": "时限日报",
}  # fmt: skip
CSV_COLUMNS = ("序号", "时间（北京）", "账号", "角色", "辖区", "动作", "记录", "结果", "请求号", "详情")


def role_label(value: str) -> str:
    """The role's Chinese label; a refused login of an unknown name has no role."""
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value or "—"


def _filters(request: Request) -> tuple[LogFilter, dict[str, str], str]:
    """The filters of the query string, what the form shows back, and a message if one was not understood."""
    q = request.query_params
    shown = {k: q.get(k, "").strip()[:64] for k in ("since", "actor", "result", "action")}
    since, error = None, ""
    if shown["since"]:
        try:
            day = dt.date.fromisoformat(shown["since"])
            if not 2000 <= day.year <= 2999:
                raise ValueError
            since = dt.datetime.combine(day, dt.time(0), tzinfo=CHINA_TZ)
        except ValueError:
            error, shown["since"] = "起始日期应为 YYYY-MM-DD 格式（北京时间）", ""
    if shown["result"] not in ("", *RESULTS):
        error, shown["result"] = "结果只能是成功、拒绝或未通过", ""
    return LogFilter(since, shown["actor"], shown["result"], shown["action"]), shown, error


def _before(request: Request) -> int | None:
    raw = request.query_params.get("before", "")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 19 else None


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    filters, shown, error = _filters(request)
    before = _before(request)
    page = read_log(engine, session.actor, filters, before_seq=before, limit=PAGE_SIZE, request_id=rid)
    query = {k: v for k, v in shown.items() if v}
    flash = f"{error}，该条件未使用" if error else None
    context = {
        "request": request, "session": session, "events": page.events, "shown": shown, "results": RESULTS,
        "result_labels": RESULT_LABELS, "action_labels": ACTION_LABELS, "role_label": role_label,
        "paged": before is not None, "first_url": "/audit?" + urlencode(query),
        "next_url": "/audit?" + urlencode({**query, "before": page.next_before}) if page.next_before else "",
        "export_url": "/audit/export.csv?" + urlencode(query), "flash": flash, "flash_kind": "error",
    }  # fmt: skip
    return templates.TemplateResponse(request, "audit.html", context)


@router.post("/audit/verify", response_class=HTMLResponse)
def verify(request: Request, session: PostingSession, engine: EngineDep, rid: RequestId) -> Response:
    """Reads the whole chain: a POST with the CSRF token, so a link or a prefetch cannot start it."""
    status = verify_chain(engine, session.actor, request_id=rid)
    checked = beijing(dt.datetime.now(dt.UTC), "%Y-%m-%d %H:%M:%S")
    context = {"request": request, "session": session, "status": status, "checked": checked}
    return templates.TemplateResponse(request, "audit_verify.html", context)


def audit_csv(events: list[AuditEvent]) -> bytes:
    """The log as the export file (``exports.csv_bytes``: BOM, CRLF, formula-safe cells)."""
    rows = (
        (str(e.seq), beijing(e.at, "%Y-%m-%d %H:%M:%S"), e.actor, role_label(e.role), e.jurisdiction,
         e.action, e.record, RESULT_LABELS.get(e.result, e.result), e.request_id, e.detail)
        for e in events
    )  # fmt: skip
    return csv_bytes(CSV_COLUMNS, rows)


@router.get("/audit/export.csv")
def export(request: Request, session: CurrentSession, engine: EngineDep, rid: RequestId) -> Response:
    filters, _, error = _filters(request)
    if error:
        raise DomainError("AUDIT_FILTER_INVALID", error)
    events = export_log(engine, session.actor, filters, request_id=rid)
    name = f"audit-{dt.datetime.now(CHINA_TZ):%Y%m%d-%H%M}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(audit_csv(events), media_type="text/csv; charset=utf-8", headers=headers)
