"""``jingzhun audit verify|log``: check the tamper-evident audit chain; read it as the auditor.

``verify`` exit codes: 0 the chain is intact; 1 a problem was found (each printed with its
sequence number). ``log`` is the auditor's view, scoped to their jurisdiction and itself audited.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.cli import render
from jingzhun.cli.dates import time_option
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.deadlines import CHINA_TZ
from jingzhun.services.auditing import LogFilter, read_log

app = typer.Typer(help="审计日志", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """校验审计链（SM3 哈希链）：发现被修改、删除、调换或截断的记录。"""
    with bootstrap.open_store() as engine:
        count, problems = audit_store.verify(engine, sm3)
    if not problems:
        render.console.print(f"[green]✓[/green] 审计链完整：{count:,} 条记录，哈希逐条核对一致（SM3）")
        return
    for p in problems:
        render.err_console.print(f"[red]✗[/red] 第 {p.seq} 条 {p.code}：{p.message}")
    raise typer.Exit(1)


@app.command("log")
def log(
    since: Annotated[str | None, typer.Option(help="起始日期 YYYY-MM-DD")] = None,
    actor: Annotated[str | None, typer.Option(help="只看某个账号")] = None,
    result: Annotated[str | None, typer.Option(help="ok、denied 或 failed")] = None,
    action: Annotated[str | None, typer.Option(help="动作（前缀），如 auth.login 或 case.")] = None,
    limit: Annotated[int, typer.Option(help="最多条数")] = 100,
    as_user: AsUser = "",
) -> None:
    """查看审计日志（审计员）：谁、何时、以什么角色、对哪条记录做了什么、结果如何。"""
    start = time_option(since, "--since")
    with bootstrap.open_store() as engine, refusals():
        filters = LogFilter(since=start, actor=actor or "", result=result or "", action=action or "")
        events = read_log(engine, acting(engine, as_user), filters, limit=limit, request_id=request_id()).events
    table = Table(title=f"审计日志（最近 {len(events)} 条）")
    for col in ("#", "时间（北京）", "账号", "角色", "动作", "记录", "结果", "详情"):
        table.add_column(col)
    colours = {"ok": "green", "denied": "red", "failed": "yellow"}
    for e in events:
        table.add_row(
            str(e.seq), f"{e.at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M:%S}", e.actor, e.role, e.action, e.record,
            f"[{colours.get(e.result, 'white')}]{e.result}[/]", e.detail,
        )  # fmt: skip
    render.console.print(table)
