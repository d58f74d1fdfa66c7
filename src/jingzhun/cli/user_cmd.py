"""``jingzhun user add|list|deactivate``: accounts, each with one role and one jurisdiction."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.access import ROLE_LABELS
from jingzhun.domain.workflow import Role
from jingzhun.services.auth import create_api_token, set_password
from jingzhun.services.users import User, add_user, deactivate_user, list_users

app = typer.Typer(help="账号与角色", no_args_is_help=True)


@app.command("add")
def add(
    user_id: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[Role, typer.Option(help="角色")],
    jurisdiction: Annotated[str, typer.Option(help="辖区行政区划代码（6、9 或 12 位）")],
    name: Annotated[str, typer.Option(help="姓名")],
    as_user: AsUser = "",
) -> None:
    """新建账号。空库的第一个账号须为管理员，可不指定 --as。"""
    with bootstrap.open_store() as engine, refusals():
        by = acting(engine, as_user) if as_user else None
        user = add_user(engine, User(user_id, name, role, jurisdiction), by=by, request_id=request_id())
    render.console.print(
        f"[green]✓[/green] 已创建账号 {user.user_id}（{ROLE_LABELS[user.role]}，辖区 {user.jurisdiction}）"
    )


@app.command("list")
def list_(as_user: AsUser = "") -> None:
    """列出辖区内的账号（管理员）。"""
    with bootstrap.open_store() as engine, refusals():
        users = list_users(engine, acting(engine, as_user))
    table = Table(title=f"账号（{len(users)}）")
    for col in ("用户名", "姓名", "角色", "辖区", "状态"):
        table.add_column(col)
    for u in users:
        table.add_row(u.user_id, u.display_name, ROLE_LABELS[u.role], u.jurisdiction, "有效" if u.active else "停用")
    render.console.print(table)


@app.command("deactivate")
def deactivate(user_id: Annotated[str, typer.Argument(help="用户名")], as_user: AsUser = "") -> None:
    """停用账号（不删除：审计记录仍指向它）。"""
    with bootstrap.open_store() as engine, refusals():
        deactivate_user(engine, user_id, by=acting(engine, as_user), request_id=request_id())
    render.console.print(f"[green]✓[/green] 已停用 {user_id}")


@app.command("passwd")
def passwd(
    user_id: Annotated[str, typer.Argument(help="用户名")],
    as_user: AsUser = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="JINGZHUN_NEW_PASSWORD")
    ] = "",
) -> None:
    """设置或重置账号的网页登录密码（管理员；同时解除锁定）。"""
    with bootstrap.open_store() as engine, refusals():
        set_password(engine, user_id, password, by=acting(engine, as_user), request_id=request_id())
    render.console.print(f"[green]✓[/green] 已设置 {user_id} 的密码")


@app.command("token")
def token(
    user_id: Annotated[str, typer.Argument(help="代表哪个账号（系统账号）")],
    name: Annotated[str, typer.Option(help="令牌用途，如“医保局数据交换”")],
    days: Annotated[int, typer.Option(help="有效天数")] = 365,
    as_user: AsUser = "",
) -> None:
    """为调用 REST API 的系统签发访问令牌（管理员）；令牌只显示这一次，库中只存其哈希。"""
    with bootstrap.open_store() as engine, refusals():
        value = create_api_token(engine, user_id, name, by=acting(engine, as_user), days=days, request_id=request_id())
    render.console.print(f"[green]✓[/green] {user_id} 的访问令牌（{days} 天，请妥善保存，只显示一次）：")
    render.console.print(value, soft_wrap=True)
