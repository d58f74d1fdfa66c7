"""``jingzhun case …``: leads, the work queue, one case, workflow steps, objections, the daily deadline job.

Every command acts as a store account (``--as``) and goes through the same services the web
will use, so scoping, separation of duties and the audit trail are the same. Exit codes: 0 done;
1 refused (the message says why, with its stable code); 2 bad usage.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.dates import day_option, time_option
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.cases import Channel, Lead
from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.deadlines import CHINA_TZ, DeadlineStatus, local_date
from jingzhun.services.cases import act_on_case, receive_lead, record_objection, view_case
from jingzhun.services.deadlines import daily_overdue, list_cases
from jingzhun.services.leads import leads_from_warnings, read_warnings

app = typer.Typer(help="案件：线索、识别程序、期限", no_args_is_help=True)

RICH_COLOURS = {"green": "green", "yellow": "yellow", "orange": "dark_orange", "red": "red"}


def status_text(status: DeadlineStatus | None) -> str:
    if status is None:
        return "—"
    return f"[{RICH_COLOURS[status.colour]}]● {status.label}[/]"


def _today(value: str | None, option: str = "--today") -> dt.date:
    return day_option(value, option) or local_date(dt.datetime.now(dt.UTC))


@app.command("lead")
def lead(
    household: Annotated[str, typer.Option(help="户编号")],
    channel: Annotated[Channel, typer.Option(help="线索渠道")],
    source: Annotated[str, typer.Option(help="来源，如“12317 热线”“帮扶联系人走访”")],
    department: Annotated[str, typer.Option(help="部门筛查预警的推送部门")] = "",
    category: Annotated[MonitoringCategory | None, typer.Option(help="建议的监测类别")] = None,
    risk: Annotated[list[str] | None, typer.Option(help="建议的风险类型代码（可重复）")] = None,
    lead_id: Annotated[str, typer.Option(help="线索编号（默认自动生成）")] = "",
    at: Annotated[str | None, typer.Option(help="收到时间（ISO，北京时间；默认现在）")] = None,
    as_user: AsUser = "",
) -> None:
    """登记一条线索（农户自主申报、干部排查或部门预警），并入该户未结案件或立案。"""
    rid = request_id()
    received = time_option(at, "--at") or dt.datetime.now(dt.UTC)
    with bootstrap.open_store() as engine, refusals():
        actor = acting(engine, as_user)
        item = Lead(
            lead_id or f"L-{rid[4:]}", household, channel, received, source=source,
            department=department, suggested_category=category, suggested_risk_codes=tuple(risk or ()),
        )  # fmt: skip
        case = receive_lead(engine, item, actor, request_id=rid)
    render.console.print(f"[green]✓[/green] {channel.label}线索已受理：案件 {case.case_id}（{len(case.leads)} 条线索）")


@app.command("from-screening")
def from_screening(
    warnings: Annotated[Path, typer.Argument(help="jingzhun screen 的输出（.parquet 或 .csv）", exists=True)],
    at: Annotated[str | None, typer.Option(help="收到时间（ISO，北京时间；默认现在）")] = None,
    as_user: AsUser = "",
) -> None:
    """把一次筛查的预警农户作为部门筛查预警线索批量受理（同一次筛查重复导入不会重复立案）。"""
    received = time_option(at, "--at")
    with bootstrap.open_store() as engine, refusals():
        frame = read_warnings(warnings)
        actor = acting(engine, as_user)
        report = leads_from_warnings(engine, actor, frame, received_at=received, request_id=request_id())
    table = Table(title=f"筛查线索受理：{warnings.name}")
    table.add_column("项目")
    table.add_column("户数", justify="right")
    for label, n in (
        ("读入预警", report.read),
        ("新立案", report.opened),
        ("并入未结案件", report.merged),
        ("此前已受理（未重复）", report.already_received),
        ("不在辖区或库中无此户", len(report.not_found)),
    ):
        table.add_row(label, f"{n:,}")
    render.console.print(table)


@app.command("list")
def list_(
    overdue: Annotated[bool, typer.Option("--overdue", help="只列超期案件")] = False,
    all_: Annotated[bool, typer.Option("--all", help="包括已结案件")] = False,
    today: Annotated[str | None, typer.Option(help="按哪一天判断期限（默认今天）")] = None,
    limit: Annotated[int, typer.Option(help="最多列出多少件")] = 200,
    as_user: AsUser = "",
) -> None:
    """我的工作队列：辖区内的案件，最早到期的在前，颜色表示期限状态。"""
    on = _today(today)
    with bootstrap.open_store() as engine, refusals():
        rows = list_cases(
            engine, acting(engine, as_user), today=on, overdue_only=overdue, include_closed=all_, limit=limit
        )
    table = Table(title=f"{'超期' if overdue else ''}案件（{len(rows)}）")
    for col in ("案件", "户编号", "环节", "立案", "到期", "期限状态"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.case_id, r.household_id, r.state_label, f"{local_date(r.opened_at)}",
            str(r.due_on or "—"), status_text(r.status),
        )  # fmt: skip
    render.console.print(table)


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    today: Annotated[str | None, typer.Option(help="按哪一天判断期限（默认今天）")] = None,
    as_user: AsUser = "",
) -> None:
    """一件案件：线索、办理记录（谁、何时、依据哪个程序版本）、期限。"""
    on = _today(today)
    with bootstrap.open_store() as engine, refusals():
        view = view_case(engine, case_id, acting(engine, as_user), today=on, request_id=request_id())
    case, wf = view.case, view.workflow
    render.console.print(
        f"[bold]案件 {case.case_id}[/bold]　户 {case.household_id}　环节：{view.state_label}"
        f"　类别：{case.category.value if case.category else '待核实'}　风险：{'、'.join(case.risk_codes) or '—'}"
        f"　程序：{wf.title} {wf.version}"
    )
    leads = Table(title="线索")
    for col in ("编号", "渠道", "来源", "收到"):
        leads.add_column(col)
    for x in case.leads:
        leads.add_row(x.lead_id, x.channel.label, x.source, f"{local_date(x.received_at)}")
    render.console.print(leads)
    timeline = Table(title="办理记录")
    for col in ("#", "动作", "从 → 到", "办理人", "时间（北京）", "理由/材料"):
        timeline.add_column(col)
    for tr in case.history:
        notes = "；".join(x for x in (tr.reason, "、".join(tr.evidence)) if x)
        timeline.add_row(
            str(tr.seq), tr.action, f"{tr.source} → {tr.target}", f"{tr.actor_id}（{tr.actor_role.value}）",
            f"{tr.at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}", notes,
        )  # fmt: skip
    render.console.print(timeline)
    if view.undated:
        render.console.print("[yellow]期限无法计算：节假日数据尚未覆盖期限所到的年份（请升级 chinese-calendar）[/]")
    limits = Table(title="期限")
    for col in ("期限", "起算", "时限", "到期", "完成", "状态"):
        limits.add_column(col)
    for d in view.deadlines:
        subject = "全程" if d.subject == "procedure" else wf.states[d.subject].label
        limits.add_row(subject, str(d.started), str(d.limit), str(d.due), str(d.done or "—"), status_text(d.status))
    render.console.print(limits)


@app.command("act")
def act(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    action: Annotated[str, typer.Argument(help="动作，如 accept、submit_verification、approve")],
    evidence: Annotated[list[str] | None, typer.Option(help="所附材料（可重复）")] = None,
    reason: Annotated[str, typer.Option(help="理由")] = "",
    category: Annotated[MonitoringCategory | None, typer.Option(help="入户核实确认的监测类别")] = None,
    risk: Annotated[list[str] | None, typer.Option(help="入户核实确认的风险类型代码（可重复）")] = None,
    at: Annotated[str | None, typer.Option(help="办理时间（ISO，北京时间；默认现在；不能晚于现在）")] = None,
    as_user: AsUser = "",
) -> None:
    """办理一个程序环节（程序定义决定谁能办、要什么材料）。"""
    when = time_option(at, "--at")
    with bootstrap.open_store() as engine, refusals():
        case = act_on_case(
            engine, case_id, action, acting(engine, as_user), at=when, evidence=evidence or (), reason=reason,
            category=category, risk_codes=risk, request_id=request_id(),
        )  # fmt: skip
    render.console.print(f"[green]✓[/green] 案件 {case.case_id}：{action} → {case.state}")


@app.command("objection")
def objection(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    summary: Annotated[str, typer.Option(help="登记异议：内容")] = "",
    answer_to: Annotated[str | None, typer.Option(help="答复异议：异议编号，如 O1")] = None,
    answer: Annotated[str, typer.Option(help="答复内容")] = "",
    upheld: Annotated[bool, typer.Option("--upheld", help="异议经核实成立")] = False,
    at: Annotated[str | None, typer.Option(help="登记或答复时间（ISO，北京时间；默认现在）")] = None,
    as_user: AsUser = "",
) -> None:
    """公示期间登记或答复异议。"""
    when = time_option(at, "--at")
    with bootstrap.open_store() as engine, refusals():
        case = record_objection(
            engine, case_id, acting(engine, as_user), summary=summary, answer_to=answer_to, answer=answer,
            upheld=upheld, at=when, request_id=request_id(),
        )  # fmt: skip
    o = case.objections[-1] if answer_to is None else next(x for x in case.objections if x.objection_id == answer_to)
    render.console.print(f"[green]✓[/green] 异议 {o.objection_id}：{'已答复' if not o.is_open else '已登记'}")


@app.command("overdue")
def overdue(
    day: Annotated[str | None, typer.Option("--date", help="统计日（默认今天）")] = None,
    as_user: AsUser = "",
) -> None:
    """每日期限统计（可由 cron 每天运行）：按乡镇、县统计临期、超期（橙）、严重超期（红）的案件。"""
    on = _today(day, "--date")
    with bootstrap.open_store() as engine, refusals():
        tallies = daily_overdue(engine, acting(engine, as_user), today=on, request_id=request_id())
    render.deadline_tallies(tallies, on)
