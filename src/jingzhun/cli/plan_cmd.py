"""``jingzhun plan …``: a case's household plan (一户一策) — show it, add and move measures, review its effect.

The same services as the web pages (``services.plans``): scoping, eligibility, caps, versions
and the audit trail are identical. Amounts are typed in yuan. Exit codes: 0 done; 1 refused
(stable code and message); 2 bad usage.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.dates import day_option
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.errors import DomainError
from jingzhun.domain.measures import Provider
from jingzhun.domain.money import format_yuan, yuan_to_fen
from jingzhun.domain.plans import EffectVerdict, ItemStatus
from jingzhun.services import plans

app = typer.Typer(help="帮扶计划（一户一策）：措施、进度、成效复核", no_args_is_help=True)


def _fen(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return yuan_to_fen(value)
    except DomainError as e:
        render.err_console.print(f"[red]✗ {e.code}[/red]：金额 {value}：{e.message}")
        raise typer.Exit(2) from None


def _provider(code: str) -> str:
    try:
        return Provider(code).label
    except ValueError:
        return code


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    today: Annotated[str | None, typer.Option(help="按哪一天判断（默认今天）")] = None,
    as_user: AsUser = "",
) -> None:
    """一户的帮扶计划：措施及进度、两条底线检查、成效测算、针对已确认风险的推荐措施。"""
    on = day_option(today, "--today")
    with bootstrap.open_store() as engine, refusals():
        view = plans.view_plan(engine, case_id, acting(engine, as_user), today=on, request_id=request_id())
    ctx = view.context
    render.console.print(
        f"[bold]案件 {case_id}[/bold]　户 {ctx.case.household_id}　风险：{'、'.join(ctx.case.risk_codes) or '—'}"
        f"　措施目录：{ctx.policy_ref}"
        + ("" if view.measures_allowed else "　[yellow]尚未审批纳入，不能制定措施[/yellow]")
    )
    if ctx.policy is None:
        render.console.print(f"[yellow]没有适用的措施目录：{ctx.no_policy_reason}[/yellow]")
    items = Table(title=f"帮扶措施（计划第 {view.plan.version if view.plan else 0} 版）")
    for col in ("编号", "措施", "对象", "风险", "状态", "金额（元）", "开始", "结束", "提供方"):
        items.add_column(col)
    for i in view.plan.items if view.plan else ():
        m = view.measure(i.measure_id)
        who = (
            f"{view.member_names.get(i.person_id, '')} {view.masked_ids.get(i.person_id, '')}"
            if i.person_id
            else "全户"
        )
        items.add_row(
            i.item_id, m.label if m else i.measure_id, who, "、".join(i.risk_codes), i.status.label,
            format_yuan(i.amount_fen) if i.amount_fen is not None else "—", str(i.start or "—"), str(i.end or "—"),
            _provider(i.provider),
        )  # fmt: skip
    render.console.print(items)
    for c in view.checks:
        mark = "[green]✓[/green]" if c.satisfied else "[red]✗[/red]"
        render.console.print(f"{mark} {c.label}：{c.message}")
    if view.effect is not None:
        render.console.print(f"成效：[bold]{view.effect.verdict.label}[/bold]　" + "；".join(view.effect.findings))
    if view.review_due is not None:
        late = "　[red]已超期[/red]" if view.review_overdue else ""
        render.console.print(f"下次成效复核：{view.review_due}{late}")
    rec = Table(title="推荐措施（只列符合条件的）")
    for col in ("风险", "措施", "对象", "理由"):
        rec.add_column(col)
    for r in view.recommendations:
        for o in r.options:
            who = f"{o.person_name} {view.masked_ids.get(o.person_id, '')}" if o.person_id else "全户"
            rec.add_row(r.risk_label, f"{o.measure.label}（{o.measure.measure_id}）", who, o.reason)
    render.console.print(rec)
    if view.plan:
        history = Table(title="计划版本（谁、何时、为何改了什么）")
        for col in ("版本", "时间（北京）", "办理人", "理由", "变更"):
            history.add_column(col)
        for v in view.plan.versions:
            when = f"{v.at.astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M}"
            history.add_row(str(v.version), when, v.by, v.reason, "；".join(v.changes))
        render.console.print(history)


@app.command("add")
def add(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    measure: Annotated[str, typer.Argument(help="措施编号，如 MICRO_CREDIT（见 jingzhun plan show 的推荐）")],
    risk: Annotated[list[str], typer.Option(help="针对的已确认风险代码（可重复）")],
    person: Annotated[str | None, typer.Option(help="对象为个人的措施：成员身份证号")] = None,
    amount: Annotated[str | None, typer.Option(help="金额（元）")] = None,
    term_months: Annotated[int | None, typer.Option(help="期限（月）")] = None,
    start: Annotated[str | None, typer.Option(help="计划开始日期 YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option(help="计划结束日期 YYYY-MM-DD")] = None,
    reason: Annotated[str, typer.Option(help="制定理由")] = "",
    as_user: AsUser = "",
) -> None:
    """把一项符合条件的措施加入计划（不符合条件、超过上限的会被拒绝并说明原因）。"""
    first, last = day_option(start, "--start"), day_option(end, "--end")
    with bootstrap.open_store() as engine, refusals():
        plan = plans.add_measure(
            engine, case_id, acting(engine, as_user), measure_id=measure, risk_codes=risk, person_id=person,
            amount_fen=_fen(amount), term_months=term_months, start=first, end=last, reason=reason,
            request_id=request_id(),
        )  # fmt: skip
    item = plan.items[-1]
    render.console.print(f"[green]✓[/green] 已加入 {item.item_id}：{item.eligibility}（计划第 {plan.version} 版）")


@app.command("move")
def move(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    item_id: Annotated[str, typer.Argument(help="措施编号，如 I1")],
    status: Annotated[ItemStatus, typer.Argument(help="新状态")],
    on: Annotated[str | None, typer.Option(help="发生日期（默认今天）")] = None,
    reason: Annotated[str, typer.Option(help="理由（取消时必填）")] = "",
    amount: Annotated[str | None, typer.Option(help="实际金额（元）")] = None,
    as_user: AsUser = "",
) -> None:
    """措施进度：开始实施、已落实、结束或取消。"""
    with bootstrap.open_store() as engine, refusals():
        plan = plans.move_measure(
            engine, case_id, acting(engine, as_user), item_id, status, on=day_option(on, "--on"), reason=reason,
            amount_fen=_fen(amount), request_id=request_id(),
        )  # fmt: skip
    render.console.print(f"[green]✓[/green] {item_id} → {status.label}（计划第 {plan.version} 版）")


@app.command("review")
def review(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    note: Annotated[str, typer.Option(help="回访记录")] = "",
    as_user: AsUser = "",
) -> None:
    """成效复核：按最新收入核算期重算人均纯收入，判断是否见效慢、是否需叠加兜底保障。"""
    with bootstrap.open_store() as engine, refusals():
        plan = plans.review_plan(engine, case_id, acting(engine, as_user), note=note, request_id=request_id())
    r = plan.reviews[-1]
    day = local_date(r.at)
    render.console.print(f"[green]✓[/green] {day} 成效复核：{EffectVerdict(r.verdict).label}　" + "；".join(r.findings))
