"""``jingzhun db upgrade``: migrate the configured store to the latest schema."""

from __future__ import annotations

import typer

from jingzhun import bootstrap
from jingzhun.cli import render

app = typer.Typer(help="数据库维护", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """把数据库结构升级到最新版本（Alembic 迁移）。"""
    cfg = bootstrap.settings()
    with bootstrap.open_store(cfg, migrate=True) as engine:
        render.console.print(f"数据库已是最新结构：{engine.url.render_as_string(hide_password=True)}")
