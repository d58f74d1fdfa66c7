"""``jingzhun chain check``: the assistance chain's duplicate and omission findings of a jurisdiction.

The county report of issue 6: each finding names the rule, the household (and person, masked),
the records, the office responsible and its township. Printed as a summary per rule and office
and as a table; ``--out`` writes every finding to CSV (UTF-8 with BOM, for Excel; ID numbers
masked) or Parquet. Exit codes: 0 done (findings or not); 1 refused; 2 bad usage.
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
from jingzhun.domain.day_range import CHAIN_DAYS
from jingzhun.services import chain
from jingzhun.services.chain import RULE_LABELS, masked_findings

app = typer.Typer(help="救助链：重复救助与遗漏核查", no_args_is_help=True)


@app.command("check")
def check(
    day: Annotated[str | None, typer.Option(help="核查日（默认今天）")] = None,
    out: Annotated[Path | None, typer.Option(help="把全部结果写入 .csv 或 .parquet")] = None,
    limit: Annotated[int, typer.Option(help="表中最多列出多少条")] = 50,
    as_user: AsUser = "",
) -> None:
    """核查辖区的救助链：同一需求重复救助、确认的风险超期未落实措施、符合条件而未享受的政策。"""
    if out is not None and out.suffix not in (".csv", ".parquet"):
        render.err_console.print("[red]✗[/red] --out 须为 .csv 或 .parquet")
        raise typer.Exit(2)
    on = day_option(day, "--day", CHAIN_DAYS)
    with bootstrap.open_store() as engine, refusals():
        report = chain.check_chain(engine, acting(engine, as_user), check_day=on, request_id=request_id())
    runs = Table(title=f"救助链核查 {report.check_day}（辖区 {report.scope or '全国'}）")
    for col in ("县", "措施目录", "户数", "台账记录", "发现"):
        runs.add_column(col)
    for r in report.counties:
        runs.add_row(r.county, r.policy, f"{r.households:,}", f"{r.ledger_entries:,}", f"{r.findings:,}")
    render.console.print(runs)
    found = masked_findings(report.findings)
    if found.height:
        summary = found.group_by("rule_id", "office").len().sort("rule_id", "office")
        by_rule = Table(title="按规则和责任部门")
        for col in ("规则", "责任部门", "条数"):
            by_rule.add_column(col)
        for r in summary.iter_rows(named=True):
            by_rule.add_row(RULE_LABELS.get(r["rule_id"], r["rule_id"]), r["office"], f"{r['len']:,}")
        render.console.print(by_rule)
        rows = Table(title=f"发现（前 {min(limit, found.height)} 条，共 {found.height:,} 条）")
        for col in ("规则", "户", "责任部门", "乡镇", "说明"):
            rows.add_column(col)
        for r in found.head(limit).iter_rows(named=True):
            rows.add_row(RULE_LABELS.get(r["rule_id"], r["rule_id"]), r["household_id"], r["office"],
                         r["township_code"], r["message"])  # fmt: skip
        render.console.print(rows)
    else:
        render.console.print("[green]✓[/green] 没有发现重复或遗漏")
    if out is not None:
        if out.suffix == ".csv":
            out.write_bytes(b"\xef\xbb\xbf" + found.write_csv().encode("utf-8"))
        else:
            found.write_parquet(out)
        render.console.print(f"全部 {found.height:,} 条已写入 {out}")
