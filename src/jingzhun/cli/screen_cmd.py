"""``jingzhun screen``: stateless batch screening, files in and one warning file out.

Exit codes: 0 ok · 1 failure (an input file could not be read, nothing written) · 2 usage
error · 3 done, but some input rows were rejected (see the ``*.rejects.*`` file).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.services.registry_validation import SourceError
from jingzhun.services.screening import (
    EXIT_FAILURE,
    EXIT_USAGE,
    ScreenOutcome,
    screen_files,
    screen_store,
    write_outputs,
)


def screen(
    out: Annotated[Path, typer.Option("--out", help="输出文件（.parquet、.csv 或 .jsonl）")],
    as_of: Annotated[str, typer.Option("--as-of", help="评估日期 YYYY-MM-DD")],
    registry: Annotated[Path | None, typer.Option("--registry", help="登记数据目录")] = None,
    feeds: Annotated[Path | None, typer.Option("--feeds", help="部门数据目录")] = None,
    policy: Annotated[str | None, typer.Option("--policy", help="政策包 ID 或文件；默认按各户所在省县自动选择")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb（默认）或 spark")] = "duckdb",
    from_store: Annotated[bool, typer.Option("--from-store", help="筛查数据库中的农户，而不是文件")] = False,
) -> None:
    """批量筛查：找出所有存在返贫致贫风险的农户，并说明触发的规则、数值和政策版本。"""
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        render.err_console.print(f"[red]用法错误：[/red]--as-of 应为 YYYY-MM-DD，实际为 {as_of}")
        raise typer.Exit(EXIT_USAGE) from None
    if engine != "duckdb":
        render.err_console.print(
            f"[red]用法错误：[/red]引擎 {engine} 尚未实现（Spark 版本在后续 issue 中提供）；请用 duckdb"
        )
        raise typer.Exit(EXIT_USAGE)
    if (registry is None) == (not from_store):
        render.err_console.print("[red]用法错误：[/red]请给出 --registry DIR，或使用 --from-store（二选一）")
        raise typer.Exit(EXIT_USAGE)
    if out.suffix.lower() not in (".parquet", ".csv", ".jsonl"):
        render.err_console.print(f"[red]用法错误：[/red]输出格式 {out.suffix} 不支持（.parquet、.csv、.jsonl）")
        raise typer.Exit(EXIT_USAGE)
    started = time.perf_counter()
    try:
        resolve = bootstrap.policy_resolver(policy)
        if from_store:
            with bootstrap.open_store() as store:
                outcome = screen_store(store, day, resolve)
        else:
            assert registry is not None
            outcome = screen_files(registry, feeds, day, resolve)
    except SourceError as e:
        render.err_console.print(f"[red]用法错误：[/red]{e}")
        raise typer.Exit(EXIT_USAGE) from None
    if outcome.file_errors:
        for e in outcome.file_errors:
            render.err_console.print(f"[red]无法读取[/red] {e['file']}：{e['code']} {e['message']}")
        raise typer.Exit(EXIT_FAILURE)
    write_outputs(outcome, out)
    _print(outcome, time.perf_counter() - started)
    raise typer.Exit(outcome.exit_code)


def _print(o: ScreenOutcome, seconds: float) -> None:
    render.screen_summary(o, seconds)
    for county, (code, message) in sorted(o.unresolved.items()):
        render.console.print(f"[yellow]{county}[/yellow] {code}：{message}")
    render.console.print(f"输出：{o.out}\n拒绝明细：{o.rejects_path}")
