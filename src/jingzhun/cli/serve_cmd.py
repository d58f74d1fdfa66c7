"""``jingzhun serve``: the web application on the configured store (uvicorn, one process).

Production runs it behind a reverse proxy that terminates HTTPS (the session cookie is sent
over HTTPS only unless ``JINGZHUN_COOKIE_SECURE=false``, which a plain-HTTP test on one's own
machine needs).
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
) -> None:
    """启动网页服务。"""
    cfg = bootstrap.settings()
    app = bootstrap.web_app(cfg)
    where = f"http://{host or cfg.host}:{port or cfg.port}/"
    render.console.print(f"网页服务：{where}（Ctrl+C 停止）")
    uvicorn.run(app, host=host or cfg.host, port=port or cfg.port, log_level="warning")
