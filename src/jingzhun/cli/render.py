"""Rich rendering shared by commands: tables and small bar charts people would rather look at."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from jingzhun.services.import_report import ImportReport
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
