"""``jingzhun elimination candidates``: the monitored households of a jurisdiction that may be proposed for elimination.

The county batch of issue 7 (``services.elimination_batch.find_candidates``): every case in
monitoring measured against the elimination criteria in force — the candidates by method
(帮扶消除 / 自然消除), and, with ``--all``, the others with each unmet criterion's reason.
Printed as a summary (candidates by method, refusals by criterion) and a list; ``--out``
writes every household to CSV (UTF-8 with BOM, for Excel) or Parquet. Exit codes: 0 done
(candidates or not); 1 refused; 2 bad usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.dates import day_option
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.day_range import ELIMINATION_DAYS
from jingzhun.services import elimination_batch
from jingzhun.services.elimination_batch import CandidateReport, export_frame

app = typer.Typer(help="风险消除：辖区内可提出风险消除的监测户", no_args_is_help=True)


@app.command("candidates")
def candidates(
    as_of: Annotated[str | None, typer.Option("--as-of", help="评估日 YYYY-MM-DD（默认今天）")] = None,
    all_: Annotated[bool, typer.Option("--all", help="同时列出暂不符合条件的户及原因")] = False,
    out: Annotated[Path | None, typer.Option(help="把全部户（含暂不符合的）写入 .csv 或 .parquet")] = None,
    limit: Annotated[int, typer.Option(help="每张表最多列出多少户")] = 50,
    as_user: AsUser = "",
) -> None:
    """列出辖区内处于监测帮扶、可提出风险消除的户：按消除方式汇总，并说明其余户未满足哪些条件。"""
    if out is not None and out.suffix not in (".csv", ".parquet"):
        render.err_console.print("[red]✗[/red] --out 须为 .csv 或 .parquet")
        raise typer.Exit(2)
    day = day_option(as_of, "--as-of", ELIMINATION_DAYS)
    with bootstrap.open_store() as engine, refusals():
        report = elimination_batch.find_candidates(engine, acting(engine, as_user), as_of=day, request_id=request_id())
    _summary(report)
    _candidates(report, limit)
    if all_:
        _others(report, limit)
    if out is not None:
        frame = export_frame(report)
        if out.suffix == ".csv":
            out.write_bytes(b"\xef\xbb\xbf" + frame.write_csv().encode("utf-8"))
        else:
            frame.write_parquet(out)
        render.console.print(f"全部 {frame.height:,} 户已写入 {out}")


def _summary(report: CandidateReport) -> None:
    runs = Table(title=f"风险消除候选 {report.on}（辖区 {report.scope or '全国'}）")
    for col in ("县", "风险消除条件", "监测户", "可提出消除"):
        runs.add_column(col)
    for r in report.counties:
        runs.add_row(r.county, r.policy + (f"：{r.problem}" if r.problem else ""), f"{r.monitored:,}",
                     f"{r.candidates:,}")  # fmt: skip
    render.console.print(runs)
    methods = Table(title="按消除方式")
    for col in ("消除方式", "可提出消除的户"):
        methods.add_column(col)
    for method, n in report.by_method().items():
        methods.add_row(method.label, f"{n:,}")
    methods.add_row("其中须说明理由", f"{report.flagged:,}")
    render.console.print(methods)
    refusals_ = report.refusals()
    if refusals_:
        why = Table(title=f"暂不符合的户（{len(report.others):,} 户）按未满足的条件")
        for col in ("条件", "户数"):
            why.add_column(col)
        for criterion, n in refusals_:
            why.add_row(report.label(criterion), f"{n:,}")
        render.console.print(why)


def _candidates(report: CandidateReport, limit: int) -> None:
    found = report.candidates
    if not found:
        render.console.print("没有可提出风险消除的户")
        return
    rows = Table(title=f"可提出风险消除（前 {min(limit, len(found))} 户，共 {len(found):,} 户）")
    for col in ("户", "案件", "村", "消除方式", "须说明理由"):
        rows.add_column(col)
    for r in found[:limit]:
        rows.add_row(r.household_id, r.case_id, r.division_code, r.method.label, "；".join(u.reason for u in r.flagged))
    render.console.print(rows)


def _others(report: CandidateReport, limit: int) -> None:
    others = report.others
    if not others:
        return
    rows = Table(title=f"暂不符合（前 {min(limit, len(others))} 户，共 {len(others):,} 户）")
    for col in ("户", "案件", "村", "未满足的条件", "原因"):
        rows.add_column(col)
    for r in others[:limit]:
        rows.add_row(r.household_id, r.case_id, r.division_code, "、".join(u.label for u in r.blocked),
                     "；".join(u.reason for u in r.blocked))  # fmt: skip
    render.console.print(rows)
