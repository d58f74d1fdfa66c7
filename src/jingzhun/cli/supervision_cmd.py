"""``jingzhun supervision report``: "四个不摘" of the jurisdiction's eliminated households, and quality checks.

Per county (or township, ``--by township``): eliminated households, how many keep all four,
and the gaps per pillar (不摘责任 · 不摘政策 · 不摘帮扶 · 不摘监管); then each gap, and the
eliminations allowed past a flag criterion with the reasons given. Exit codes: 0; 1 refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.dates import day_option
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.day_range import FOLLOW_UP_DAYS
from jingzhun.domain.supervision import Pillar
from jingzhun.services import supervision

app = typer.Typer(help="“四个不摘”监督与风险消除质量检查", no_args_is_help=True)


@app.command("report")
def report(
    today: Annotated[str | None, typer.Option(help="按哪一天检查（默认今天）")] = None,
    by: Annotated[Literal["county", "township"], typer.Option(help="按县或乡镇汇总")] = "county",
    limit: Annotated[int, typer.Option(help="最多列出多少条")] = 50,
    as_user: AsUser = "",
) -> None:
    """检查已消除风险农户的责任、政策、帮扶、监管是否延续。"""
    on = day_option(today, "--today", FOLLOW_UP_DAYS)
    with bootstrap.open_store() as engine, refusals():
        found = supervision.supervise(engine, acting(engine, as_user), today=on, request_id=request_id())
    summary = Table(title=f"“四个不摘” {found.day}（辖区 {found.scope or '全国'}）")
    for col in ("区划", "已消除风险户", "四项均落实", *(p.label for p in Pillar)):
        summary.add_column(col)
    for row in found.summary(6 if by == "county" else 9):
        summary.add_row(str(row["division"]), str(row["households"]), str(row["kept"]),
                        *(str(row[p.value]) for p in Pillar))  # fmt: skip
    render.console.print(summary)
    gaps = [(h, g) for h in found.households for g in h.gaps]
    if gaps:
        table = Table(title=f"缺项（前 {min(limit, len(gaps))} 条，共 {len(gaps)} 条）")
        for col in ("户", "案件", "风险消除日", "项目", "说明"):
            table.add_column(col)
        for h, g in gaps[:limit]:
            table.add_row(h.household_id, h.case_id, str(h.eliminated_on), g.pillar.label, g.message)
        render.console.print(table)
    else:
        render.console.print("[green]✓[/green] 已消除风险的农户“四个不摘”均已落实")
    if found.quality:
        table = Table(title=f"质量检查：带提示通过的风险消除（{len(found.quality)} 条）")
        for col in ("户", "案件", "环节", "日期", "提示", "办理理由"):
            table.add_column(col)
        for q in found.quality[:limit]:
            table.add_row(q.household_id, q.case_id, q.action, str(q.on), q.message, q.reason)
        render.console.print(table)
