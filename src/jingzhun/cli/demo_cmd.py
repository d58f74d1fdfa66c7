"""``jingzhun demo``: a synthetic county in the embedded store, imported, screened, turned into cases.

The newcomer's first command: it generates 元谋县-like data (synthetic people, real county
code), imports it through the same importer a county uses, screens it, creates one account per
role, receives the warnings as department-warning leads (one case per flagged household) and
prints the county's deadline report — then tells how to act as each account. The web UI
(issue 5) will be served from here; until then ``--no-serve`` is the only mode.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table
from sqlalchemy import Engine

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.domain.deadlines import local_date
from jingzhun.services.cases import act_on_case
from jingzhun.services.deadlines import daily_overdue, list_cases
from jingzhun.services.demo_accounts import ensure_demo_users, reset_demo_passwords
from jingzhun.services.demo_elimination import start_demo_elimination
from jingzhun.services.demo_plans import start_demo_plans
from jingzhun.services.importer import run_import
from jingzhun.services.leads import leads_from_warnings
from jingzhun.services.screening import ScreenOutcome, screen_store, write_outputs
from jingzhun.services.summary import summarize
from jingzhun.services.users import actor_of
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
        _cases(engine, outcome)
        url = engine.url.render_as_string(hide_password=True)
    render.console.print(f"数据库：{url}　用时 {time.perf_counter() - started:.1f} 秒")
    if not no_serve:
        serve_cfg = cfg.model_copy(update={"cookie_secure": False})  # plain HTTP on this machine
        render.console.print(f"网页：http://{cfg.host}:{cfg.port}/ 　用上表的账号和密码登录（Ctrl+C 停止）")
        uvicorn.run(bootstrap.web_app(serve_cfg), host=cfg.host, port=cfg.port, log_level="warning")


def _cases(engine: Engine, outcome: ScreenOutcome) -> None:
    """Accounts, leads from the screening, and the deadline report, as a county would start."""
    assert outcome.warnings is not None
    villages = outcome.warnings["division_code"].sort()
    village = villages[0] if len(villages) else "532328101201"
    county, township = village[:6].ljust(12, "0"), village[:9].ljust(12, "0")
    users = ensure_demo_users(engine, county, township, village)
    secrets_of = reset_demo_passwords(engine, users)
    # the leads arrive the morning after the assessment day; the township accepts its own the next day
    received = dt.datetime.combine(DEFAULT_AS_OF + dt.timedelta(days=1), dt.time(1, 0), tzinfo=dt.UTC)
    with render.console.status("筛查预警转为线索、立案 …"):
        intake = leads_from_warnings(engine, actor_of(engine, "data"), outcome.warnings, received_at=received)
        reviewer = actor_of(engine, "township")
        for row in list_cases(engine, reviewer, today=local_date(received)):
            if row.state == "lead":
                act_on_case(engine, row.case_id, "accept", reviewer, at=received + dt.timedelta(days=1))
    render.console.print(
        f"筛查线索：新立案 {intake.opened:,} 件，并入 {intake.merged:,} 件，此前已受理 {intake.already_received:,} 件；"
        f"乡镇 {township} 已受理本乡镇的线索"
    )
    with render.console.status("演示帮扶计划 …"):
        planned = start_demo_plans(engine, actor_of(engine, "cadre"))
    render.console.print(f"村 {village}：本次 {planned} 户经绿色通道和入户核实，按推荐制定了帮扶计划")
    with render.console.status("演示风险消除 …"):
        actors = (actor_of(engine, name) for name in ("cadre", "data", "township", "county"))
        eliminated, candidates = start_demo_elimination(engine, *actors)
    if eliminated or candidates:
        render.console.print(
            f"村 {village}：{eliminated} 户经风险消除程序标注风险消除（跟踪期，按季度回访），"
            f"{candidates} 户为风险消除候选——试试：jingzhun elimination candidates --as cadre"
            "　jingzhun follow-up due --as cadre"
        )
    report_day = local_date(received) + dt.timedelta(days=3)
    render.deadline_tallies(daily_overdue(engine, actor_of(engine, "county"), today=report_day), report_day)
    table = Table(title="演示账号（网页用账号和密码登录；命令行用 --as 账号）")
    for col in ("账号", "角色", "辖区", "本次密码"):
        table.add_column(col)
    for u in users:
        table.add_row(u.user_id, u.display_name, u.jurisdiction, secrets_of[u.user_id])
    render.console.print(table)
    render.console.print(
        "试试：jingzhun case list --as cadre　　jingzhun case overdue --as county　　jingzhun audit log --as auditor"
    )
