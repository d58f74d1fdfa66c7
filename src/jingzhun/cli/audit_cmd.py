"""``jingzhun audit verify``: check the tamper-evident audit chain of the store.

Exit codes: 0 the chain is intact; 1 a problem was found (each printed with its sequence number).
"""

from __future__ import annotations

import typer

from jingzhun import bootstrap
from jingzhun.adapters.crypto.sm3 import sm3
from jingzhun.adapters.db import audit_store
from jingzhun.cli import render

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
