"""``jingzhun demo``: a synthetic county in the embedded store, imported and summarised.

The newcomer's first command: it generates 元谋县-like data (synthetic people, real county
code), imports it through the same importer a county uses, and prints what is there. The web
UI (issue 5) will be served from here; until then ``--no-serve`` is the only mode.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.services.importer import run_import
from jingzhun.services.screening import screen_store, write_outputs
from jingzhun.services.summary import summarize
from jingzhun.synth import DEFAULT_AS_OF, generate, write


def demo(
    households: Annotated[int, typer.Option(help="合成农户数")] = 20_000,
    seed: Annotated[int, typer.Option(help="随机种子（同一种子结果相同）")] = 1,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只构建并打印概况，不启动网页")] = False,
) -> None:
    """构建一个合成县（默认约2万户），导入内置数据库、按政策包筛查并打印概况。"""
    cfg = bootstrap.settings()
    started = time.perf_counter()
    out = Path(cfg.data_dir) / "demo"
    with render.console.status(f"生成合成县：{households:,} 户 …"):
        result = generate(households=households, seed=seed)
        write(result, out, "csv")
    render.console.print(f"合成数据已写入 {out}")
    with bootstrap.open_store(cfg) as engine:
        with render.console.status("导入内置数据库 …"):
            report = run_import(out, engine, actor="demo")
        render.import_report(report, max_rejects=5)
        render.store_summary(summarize(engine), title="合成县概况")
        with render.console.status("按政策包筛查 …"):
            outcome = screen_store(engine, DEFAULT_AS_OF, bootstrap.policy_resolver())
            write_outputs(outcome, out / "warnings.csv")
        render.screen_summary(outcome)
        url = engine.url.render_as_string(hide_password=True)
    render.console.print(f"数据库：{url}　用时 {time.perf_counter() - started:.1f} 秒")
    if not no_serve:
        render.console.print("[yellow]网页界面尚未实现（见 issue 5）；本次只构建了数据。[/yellow]")
