"""Rich rendering shared by commands: tables and small bar charts people would rather look at."""

from __future__ import annotations

import datetime as dt

import polars as pl
from rich.console import Console
from rich.table import Table

from jingzhun.services.deadlines import DeadlineTally
from jingzhun.services.import_report import ImportReport
from jingzhun.services.screening import ScreenOutcome
from jingzhun.services.summary import StoreSummary

console = Console()
err_console = Console(stderr=True)


def bar(value: int, total: int, width: int = 30) -> str:
    if total <= 0:
        return ""
    n = round(width * value / total)
    return "█" * n + "·" * (width - n)


def import_report(report: ImportReport, *, max_rejects: int = 20) -> None:
    if report.file_errors:
        t = Table(title="无法读取的文件（未写入任何数据）", title_style="bold red")
        for col in ("文件", "代码", "原因"):
            t.add_column(col)
        for e in report.file_errors:
            t.add_row(e["file"], e["code"], e["message"])
        console.print(t)
        return
    files = Table(title="读取的文件")
    for col in ("文件", "表", "行数", "编码/工作表", "表头行", "未识别的列", "缺少的必需列"):
        files.add_column(col)
    for f in report.files:
        files.add_row(
            f.path,
            f.table,
            f"{f.rows:,}",
            f.encoding or f.sheet or "-",
            str(f.header_row),
            "、".join(f.unknown_columns) or "-",
            "、".join(f.missing_required) or "-",
        )
    console.print(files)
    t = Table(title=f"导入结果 {report.import_id}")
    for col in ("表", "读取", "接受", "其中新增", "更新", "未变", "拒绝"):
        t.add_column(col, justify="right" if col != "表" else "left")
    for name, c in report.tables.items():
        t.add_row(
            name,
            f"{c.read:,}",
            f"{c.accepted:,}",
            f"{c.inserted:,}",
            f"{c.updated:,}",
            f"{c.unchanged:,}",
            f"[red]{c.rejected:,}[/red]" if c.rejected else "0",
        )
    t.add_row(
        "合计",
        f"{report.rows_read:,}",
        f"{report.rows_accepted:,}",
        "",
        "",
        "",
        f"{report.rows_rejected:,}",
        style="bold",
    )
    console.print(t)
    for note in report.notes:
        console.print(f"[yellow]注意：[/yellow]{note}")
    if report.rejects is not None and report.rejects.height:
        r = Table(
            title=f"被拒绝的行（前 {min(max_rejects, report.rejects.height)} 条，共 {report.rejects.height} 条问题）"
        )
        for col in ("文件", "行", "字段", "代码", "原因"):
            r.add_column(col)
        for row in report.rejects.head(max_rejects).iter_rows():
            r.add_row(row[0], str(row[1]), row[2], row[3], row[4])
        console.print(r)


def store_summary(s: StoreSummary, title: str = "县域概况") -> None:
    head = Table(title=title)
    head.add_column("项目")
    head.add_column("数值", justify="right")
    head.add_row("农户（户）", f"{s.households:,}")
    head.add_row("人口（人）", f"{s.members:,}")
    head.add_row("平均户规模（人/户）", f"{s.members / s.households:.2f}" if s.households else "-")
    head.add_row("脱贫户（户）", f"{s.alleviated:,}")
    if s.mean_per_capita_yuan is not None:
        head.add_row(f"人均纯收入（元，截至 {s.period_end}）", f"{s.mean_per_capita_yuan:,.0f}")
    console.print(head)
    towns = Table(title="按乡镇")
    for col in ("乡镇代码", "名称", "村", "户", "人", "脱贫户"):
        towns.add_column(col, justify="left" if col in ("乡镇代码", "名称") else "right")
    for row in s.townships:
        towns.add_row(
            row.code, row.name, str(row.villages), f"{row.households:,}", f"{row.members:,}", f"{row.alleviated:,}"
        )
    console.print(towns)
    if s.bands:
        total = sum(n for _, n in s.bands)
        peak = max(n for _, n in s.bands)
        dist = Table(title="户人均纯收入分布")
        for col in ("区间", "户数", "占比", ""):
            dist.add_column(col, justify="right" if col in ("户数", "占比") else "left")
        for label, n in s.bands:
            dist.add_row(label, f"{n:,}", f"{100 * n / total:.1f}%", bar(n, peak))
        console.print(dist)


CATEGORY_LABELS = {
    "unstable_alleviated": "脱贫不稳定户",
    "marginal_at_risk": "边缘易致贫户",
    "sudden_hardship": "突发严重困难户",
    None: "待入户核实（三保障/饮水问题）",
}


def screen_summary(o: ScreenOutcome, seconds: float | None = None) -> None:
    t = Table(title=f"筛查结果（评估日 {o.as_of}）")
    t.add_column("项目")
    t.add_column("数值", justify="right")
    t.add_row("筛查农户", f"{o.households:,}")
    t.add_row("预警农户", f"{o.flagged:,}")
    t.add_row("读取行数", f"{o.rows_read:,}")
    t.add_row("拒绝行数", f"{o.rows_rejected:,}")
    if seconds is not None:
        t.add_row("用时", f"{seconds:.1f} 秒")
    console.print(t)
    if o.warnings is None or o.warnings.height == 0:
        return
    cats = o.warnings.group_by("category").len().sort("category", nulls_last=True)
    peak = int(cats["len"].max() or 1)
    c = Table(title="预警农户按类别")
    for col in ("类别", "户数", ""):
        c.add_column(col, justify="right" if col == "户数" else "left")
    for cat, n in cats.iter_rows():
        c.add_row(CATEGORY_LABELS.get(cat, str(cat)), f"{n:,}", bar(n, peak))
    console.print(c)
    rules = o.warnings.select(pl.col("rule_ids").explode()).group_by("rule_ids").len().sort("len", descending=True)
    r = Table(title="触发的规则")
    for col in ("规则", "户数", ""):
        r.add_column(col, justify="right" if col == "户数" else "left")
    top = int(rules["len"].max() or 1)
    for rule, n in rules.iter_rows():
        r.add_row(rule, f"{n:,}", bar(n, top))
    console.print(r)
    sample = Table(title="预警示例（前 5 户）")
    for col in ("户编号", "类别", "风险类型", "原因"):
        sample.add_column(col)
    for row in o.warnings.head(5).iter_rows(named=True):
        sample.add_row(
            row["household_id"],
            CATEGORY_LABELS.get(row["category"], ""),
            "、".join(row["risk_codes"]),
            "；".join(row["reasons"]),
        )
    console.print(sample)


def deadline_tallies(tallies: list[DeadlineTally], day: dt.date) -> None:
    """The daily deadline report: per county and township, cases due soon, overdue (orange), red."""
    table = Table(title=f"{day} 期限统计（程序中的案件）")
    for col in ("区划", "名称", "层级"):
        table.add_column(col)
    for col in ("程序中", "临期", "超期（橙）", "严重超期（红）", "无法计算"):
        table.add_column(col, justify="right")
    for x in tallies:
        table.add_row(
            x.division_code, x.name, "县" if x.level == "county" else "乡镇", str(x.in_procedure),
            f"[yellow]{x.due_soon}[/]" if x.due_soon else "0", f"[dark_orange]{x.overdue}[/]" if x.overdue else "0",
            f"[red]{x.escalated}[/]" if x.escalated else "0", str(x.undated),
        )  # fmt: skip
    console.print(table)
