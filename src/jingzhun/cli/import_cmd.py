"""``jingzhun import DIR``: load a registry (and feeds) directory into the store.

Exit codes: 0 all rows accepted; 1 failure, nothing written; 2 usage error; 3 imported but
some rows rejected (see the report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.domain.ids import mask_identifiers
from jingzhun.services.importer import ImportSourceError, run_import

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_REJECTS = 0, 1, 2, 3


def import_(
    source: Annotated[Path, typer.Argument(help="登记数据目录（含 registry/ 和 feeds/，或直接含各表文件）")],
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="导入报告写入的目录")] = None,
    actor: Annotated[str, typer.Option(help="操作人（记入导入记录）")] = "cli",
) -> None:
    """导入农户登记数据：每一行要么接受，要么带行号、字段和原因被拒绝；失败时数据库保持原样。"""
    cfg = bootstrap.settings()
    try:
        with bootstrap.open_store(cfg) as engine, render.console.status("正在导入 …"):
            report = run_import(source, engine, actor=actor)
    except ImportSourceError as e:
        render.err_console.print(f"[red]用法错误：[/red]{e}")
        raise typer.Exit(EXIT_USAGE) from None
    except Exception as e:
        render.err_console.print(
            f"[red]导入失败，数据库未作任何改动：[/red]{type(e).__name__}: {mask_identifiers(str(e))}"
        )
        raise typer.Exit(EXIT_FAILURE) from None
    render.import_report(report)
    summary, rejects = report.write(report_dir or cfg.reports_dir)
    render.console.print(f"报告：{summary}\n拒绝明细：{rejects}")
    if not report.committed:
        raise typer.Exit(EXIT_FAILURE)
    if report.rows_rejected:
        raise typer.Exit(EXIT_REJECTS)
