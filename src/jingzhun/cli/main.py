"""The ``jingzhun`` command line: one Typer app, each command in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="jingzhun",
    help="精准 — 防止返贫动态监测和帮扶 (precise assistance against return to poverty).",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    # Imported here so `jingzhun --help` stays fast and a broken optional command cannot
    # break the others at import time.
    from jingzhun.cli import synth_cmd

    app.command("synth")(synth_cmd.synth)


_register()
