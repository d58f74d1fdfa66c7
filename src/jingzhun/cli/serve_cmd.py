"""``jingzhun serve``: the web application on the configured store (uvicorn, one or more processes).

Production runs it behind a reverse proxy that terminates HTTPS (the session cookie is sent
over HTTPS only unless ``JINGZHUN_COOKIE_SECURE=false``, which a plain-HTTP test on one's own
machine needs), on PostgreSQL with ``--workers`` about one per core: Python runs one thread at a
time per process, so a second process is what uses a second core.
"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from jingzhun import bootstrap
from jingzhun.cli import render


def serve(
    host: Annotated[str | None, typer.Option(help="监听地址（默认 JINGZHUN_HOST 或 127.0.0.1）")] = None,
    port: Annotated[int | None, typer.Option(help="端口（默认 JINGZHUN_PORT 或 8000）")] = None,
    workers: Annotated[int, typer.Option(min=1, help="工作进程数（PostgreSQL 上可多于 1，约每核一个）")] = 1,
) -> None:
    """启动网页服务。"""
    cfg = bootstrap.settings()
    where = f"http://{host or cfg.host}:{port or cfg.port}/"
    if workers > 1 and cfg.resolved_database_url.startswith("sqlite"):
        render.err_console.print("内置 SQLite 数据库一次只允许一个写入者：请用 --workers 1，或改用 PostgreSQL")
        raise typer.Exit(2)
    render.console.print(f"网页服务：{where}（{workers} 个工作进程，Ctrl+C 停止）")
    if workers == 1:
        uvicorn.run(bootstrap.web_app(cfg), host=host or cfg.host, port=port or cfg.port, log_level="warning")
    else:  # each worker process builds its own application (and migrates under one lock first)
        uvicorn.run(
            "jingzhun.bootstrap:web_app", factory=True, workers=workers, host=host or cfg.host,
            port=port or cfg.port, log_level="warning",
        )  # fmt: skip
