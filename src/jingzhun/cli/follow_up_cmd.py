"""``jingzhun follow-up …``: follow-up visits (回访) of eliminated households and their helpers (帮扶联系人).

``due`` lists the jurisdiction's (or, with ``--mine``, the helper's own) households whose next
visit is due, overdue first; ``record`` records a visit — a new risk (``--new-risk 01,07``)
raises a lead; ``assign`` assigns a helper. Exit codes: 0 done; 1 refused; 2 bad usage.
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
from jingzhun.domain.day_range import FOLLOW_UP_DAYS
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.follow_ups import DueStatus, Finding
from jingzhun.services import follow_ups

app = typer.Typer(help="风险消除后的回访与帮扶联系人", no_args_is_help=True)
COLOURS = {DueStatus.OVERDUE: "red", DueStatus.DUE_SOON: "yellow", DueStatus.NOT_DUE: "green"}


@app.command("due")
def due(
    today: Annotated[str | None, typer.Option(help="按哪一天计算（默认今天）")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列已逾期的")] = False,
    mine: Annotated[bool, typer.Option("--mine", help="只列我联系的农户")] = False,
    as_user: AsUser = "",
) -> None:
    """列出应回访的已消除风险农户（逾期的在前）。"""
    on = day_option(today, "--today", FOLLOW_UP_DAYS)
    with bootstrap.open_store() as engine, refusals():
        items = follow_ups.due_follow_ups(engine, acting(engine, as_user), today=on, overdue_only=overdue, mine=mine)
    table = Table(title=f"应回访农户（{len(items)} 户）")
    for col in ("到期", "状态", "户", "案件", "环节", "风险消除日", "上次回访", "帮扶联系人"):
        table.add_column(col)
    for x in items:
        status = f"[{COLOURS[x.status]}]{x.status.label}[/]"
        helpers = "、".join(x.helpers) or "—"
        table.add_row(str(x.due_on), status, x.household_id, x.case_id, x.state_label, str(x.eliminated_on),
                      str(x.last_visit or "—"), helpers)  # fmt: skip
    render.console.print(table)


@app.command("record")
def record(
    case_id: Annotated[str, typer.Argument(help="案件编号")],
    note: Annotated[str, typer.Option(help="回访情况（收入、就业、“三保障”等）")],
    visited_on: Annotated[str | None, typer.Option(help="回访日期（默认今天）")] = None,
    new_risk: Annotated[str, typer.Option(help="发现新风险时，疑似的风险类型代码，逗号分隔，如 01,07")] = "",
    as_user: AsUser = "",
) -> None:
    """记录一次回访；发现新风险时生成线索，重新进入识别。"""
    codes = tuple(c.strip() for c in new_risk.split(",") if c.strip())
    finding = Finding.NEW_RISK if codes else Finding.STABLE
    day = day_option(visited_on, "--visited-on", FOLLOW_UP_DAYS) or local_date(dt.datetime.now(dt.UTC))
    with bootstrap.open_store() as engine, refusals():
        fid, joined = follow_ups.record_follow_up(
            engine, case_id, acting(engine, as_user), visited_on=day, finding=finding, note=note, risk_codes=codes,
            request_id=request_id(),
        )  # fmt: skip
    render.console.print(f"[green]✓[/green] 已记录回访 {fid}（{finding.label}）")
    if joined is not None:
        where = "并入跟踪中的案件" if joined.case_id == case_id else f"新立案件（接续 {joined.follows}）"
        render.console.print(f"新风险线索已{where}：{joined.case_id}")


@app.command("assign")
def assign(
    household_id: Annotated[str, typer.Argument(help="户编号")],
    name: Annotated[str, typer.Option(help="帮扶联系人姓名")],
    unit: Annotated[str, typer.Option(help="帮扶单位")],
    account: Annotated[str | None, typer.Option(help="帮扶联系人的系统账号（可选）")] = None,
    as_user: AsUser = "",
) -> None:
    """为农户安排帮扶联系人。"""
    with bootstrap.open_store() as engine, refusals():
        helper = follow_ups.assign_helper(engine, household_id, acting(engine, as_user), helper_name=name, unit=unit,
                                          helper_user_id=account, request_id=request_id())  # fmt: skip
    render.console.print(f"[green]✓[/green] 已安排 {helper.helper_name}（{helper.unit}），编号 {helper.assignment_id}")
