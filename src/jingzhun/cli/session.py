"""What every acting command shares: who acts (``--as`` or JINGZHUN_USER), a request id, refusals.

The command line is the county's trusted operator console: it acts as an existing account of
the store, named with ``--as`` (or the ``JINGZHUN_USER`` environment variable), with that
account's role and jurisdiction — the same scoping and audit as the web will apply. A refusal
prints its stable code and Chinese message and exits 1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import Engine

from jingzhun.cli import render
from jingzhun.domain.cases import Actor
from jingzhun.domain.errors import DomainError
from jingzhun.services.users import actor_of

AsUser = Annotated[str, typer.Option("--as", envvar="JINGZHUN_USER", help="以哪个账号办理（或设 JINGZHUN_USER）")]


def request_id() -> str:
    """One id per command run, written into every audit event it causes."""
    return f"cli-{uuid.uuid4().hex[:16]}"


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a domain or policy refusal into its message and exit code 1."""
    try:
        yield
    except DomainError as e:  # policy errors included
        render.err_console.print(f"[red]✗ {e.code}[/red]：{e.message}")
        raise typer.Exit(1) from None


def acting(engine: Engine, user_id: str) -> Actor:
    if not user_id:
        render.err_console.print("[red]✗[/red] 请用 --as 指定办理账号（或设置 JINGZHUN_USER）")
        raise typer.Exit(2)
    with refusals():
        return actor_of(engine, user_id)
