"""The ``jingzhun`` command line: one Typer app, each command in its own module."""

from __future__ import annotations

import typer

from jingzhun.cli import (
    audit_cmd,
    case_cmd,
    chain_cmd,
    db_cmd,
    demo_cmd,
    elimination_cmd,
    follow_up_cmd,
    household_cmd,
    import_cmd,
    plan_cmd,
    policy_cmd,
    screen_cmd,
    serve_cmd,
    supervision_cmd,
    synth_cmd,
    user_cmd,
)

app = typer.Typer(
    name="jingzhun",
    help="精准 — 防止返贫动态监测和帮扶 (precise assistance against return to poverty).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("synth")(synth_cmd.synth)
app.command("import")(import_cmd.import_)
app.command("demo")(demo_cmd.demo)
app.command("screen")(screen_cmd.screen)
app.command("serve")(serve_cmd.serve)
app.add_typer(db_cmd.app, name="db")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(policy_cmd.app, name="policy")
app.add_typer(case_cmd.app, name="case")
app.add_typer(plan_cmd.app, name="plan")
app.add_typer(chain_cmd.app, name="chain")
app.add_typer(elimination_cmd.app, name="elimination")
app.add_typer(follow_up_cmd.app, name="follow-up")
app.add_typer(supervision_cmd.app, name="supervision")
app.add_typer(user_cmd.app, name="user")
app.add_typer(household_cmd.app, name="household")
