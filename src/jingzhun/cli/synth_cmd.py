"""``jingzhun synth``: write a synthetic registry and feeds directory.

Why a thin command: all the work is in :mod:`jingzhun.synth`; the command parses options,
shows progress while the population is built and written, and ends with a short summary a
user can check at a glance (households, members, counties, household size, income, time).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.synth import DEFAULT_AS_OF, PROFILES, SynthResult, generate, write
from jingzhun.synth.build import STEPS
from jingzhun.synth.writer import FORMATS


def _parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(f"日期“{raw}”应为 YYYY-MM-DD 格式") from None


def synth(
    out: Annotated[Path, typer.Option("--out", help="输出目录 (registry/ 与 feeds/ 将写在其中)")],
    households: Annotated[int, typer.Option("--households", min=1, help="农户数")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="随机种子 (相同参数得到相同文件)")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="文件格式: csv 或 parquet")] = "csv",
    profile: Annotated[str, typer.Option("--profile", help="alleviated (脱贫县) 或 ordinary (一般县)")] = "alleviated",
    province: Annotated[str, typer.Option("--province", help="省级代码, 如 53 (云南)")] = "53",
    as_of: Annotated[str, typer.Option("--as-of", help="评估日期 YYYY-MM-DD; 收入期间截至上月")] = (
        DEFAULT_AS_OF.isoformat()
    ),
) -> None:
    """生成合成的农户登记与部门数据 (registry + feeds)."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format 应为 {' 或 '.join(FORMATS)}", param_hint="--format")
    if profile not in PROFILES:
        raise typer.BadParameter(f"--profile 应为 {' 或 '.join(PROFILES)}", param_hint="--profile")
    day = _parse_date(as_of)
    console = Console(stderr=True)
    started = time.perf_counter()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("生成", total=len(STEPS) + 1)

        def on_step(name: str) -> None:
            progress.update(task, description=name, completed=STEPS.index(name))

        try:
            result = generate(households, seed, profile=profile, province=province, as_of=day, progress=on_step)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from None
        progress.update(task, description="写入文件", completed=len(STEPS))
        files = write(result, out, fmt)
        progress.update(task, description="完成", completed=len(STEPS) + 1)
    Console().print(_summary(result, out, len(files), time.perf_counter() - started))


def _summary(result: SynthResult, out: Path, n_files: int, seconds: float) -> Table:
    current = result.income.filter(pl.col("period_end") == result.period_end)
    net = current.select(pl.sum_horizontal("wage", "business_net", "property", "transfer").sum()).item()
    members = result.members.height
    table = Table(title="合成数据摘要", show_header=False)
    table.add_column("项目")
    table.add_column("值", justify="right")
    rows = [
        ("农户 households", f"{result.households.height:,}"),
        ("成员 members", f"{members:,}"),
        ("县 counties", _counties(result.counties)),
        ("平均户规模 mean household size", f"{members / max(result.households.height, 1):.2f}"),
        (f"人均纯收入 per-capita income ({result.period_end})", f"{net / max(members, 1):,.0f} 元"),
        ("部门事件 events", f"{result.events.height:,}"),
        ("用时 time", f"{seconds:.1f} s"),
        ("输出 output", f"{out} ({n_files} files)"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def _counties(codes: tuple[str, ...]) -> str:
    """'3 (532328, 532329, 532331)' — at most three codes, then an ellipsis."""
    shown = ", ".join(codes[:3]) + ("…" if len(codes) > 3 else "")
    return f"{len(codes)} ({shown})"
