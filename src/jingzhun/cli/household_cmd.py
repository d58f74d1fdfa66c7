"""``jingzhun household show``: one household as a caseworker sees it — masked, scoped, audited."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from jingzhun import bootstrap
from jingzhun.cli import render
from jingzhun.cli.session import AsUser, acting, refusals, request_id
from jingzhun.domain.money import fen_to_yuan, format_yuan
from jingzhun.services.assessment import Assessment
from jingzhun.services.households import view_household

app = typer.Typer(help="农户", no_args_is_help=True)


def _yuan(fen: object) -> str:
    return "—" if fen is None else f"{fen_to_yuan(int(str(fen))):,.2f}"


@app.command("show")
def show(household_id: Annotated[str, typer.Argument(help="户编号")], as_user: AsUser = "") -> None:
    """查看一户：成员（身份证号、电话已脱敏）、收入与监测标准、预警、部门数据、案件。每次查看都记入审计。"""
    with bootstrap.open_store() as engine, refusals():
        v = view_household(engine, household_id, acting(engine, as_user), request_id=request_id())
    render.console.print(
        f"[bold]户 {v.household_id}[/bold]　区划 {v.division_code}　"
        f"{'脱贫户（' + str(v.alleviated_year) + '）' if v.alleviated else '一般农户'}　电话 {v.phone_masked or '—'}"
    )
    _assessment(v.assessment)
    members = Table(title=f"家庭成员（{len(v.members)}）")
    for col in ("身份证号", "姓名", "关系", "年龄", "健康", "残疾等级", "劳动能力", "在校", "医保"):
        members.add_column(col)
    for m in v.members:
        members.add_row(
            m.person_id_masked, m.name, m.relation, str(m.age or "—"), m.health or "—", str(m.disability_grade or "—"),
            m.labor_capacity or "—", m.schooling or "—", {True: "是", False: "否", None: "—"}[m.medical_insured],
        )  # fmt: skip
    render.console.print(members)
    income = Table(title="收入（12 个月窗口，元）")
    for col in ("截至", "工资性", "经营净", "财产性", "转移性", "医疗自付", "教育自付"):
        income.add_column(col, justify="right")
    for w in v.income:
        income.add_row(
            str(w["period_end"]),
            *(_yuan(w[k]) for k in ("wage_fen", "business_net_fen", "property_fen", "transfer_fen",
                                     "medical_self_paid_fen", "education_self_paid_fen")),
        )  # fmt: skip
    render.console.print(income)
    if v.events:
        events = Table(title=f"部门数据（{len(v.events)}）")
        for col in ("来源", "类型", "日期", "金额（元）", "成员"):
            events.add_column(col)
        for e in v.events:
            events.add_row(str(e["source"]), str(e["event_type"]), str(e["event_date"]), _yuan(e["amount_fen"]),
                           str(e["person_id"] or "—"))  # fmt: skip
        render.console.print(events)
    for c in v.cases:
        render.console.print(f"案件 {c['case_id']}：{c['state_label']}{'（已结）' if c['closed'] else ''}")


def _assessment(a: Assessment) -> None:
    """Per-capita income against the standard in force today, and the warning, as on the household page."""
    figure = format_yuan(a.per_capita_income_fen) if a.per_capita_income_fen is not None else "—"
    if a.missing_window:
        render.console.print(f"截至 {a.missing_window} 的收入尚未导入：按已导入的最新收入窗口评估（评估日 {a.as_of}）")
    if a.policy is None:
        render.console.print(f"人均纯收入 {figure} / 本地未配置监测标准（{a.as_of}）")
        return
    mark = {True: "[red]低于监测标准[/red]", False: "[green]不低于监测标准[/green]", None: "无法比较"}[
        a.below_threshold
    ]
    render.console.print(
        f"人均纯收入 {figure} / 监测标准 {format_yuan(a.policy.threshold_fen)}"
        f"（政策 {a.policy.policy_id} {a.policy.version}）：{mark}　收入窗口 {a.window_start} 至 {a.window_end}"
    )
    w = a.warning
    if w is None:
        render.console.print("预警：无")
        return
    risks = "、".join(f"{r.code} {r.label}" for r in w.risks)
    render.console.print(f"预警：{w.category.label if w.category else '待核实'}　风险 {risks}")
    for line in w.reasons:
        render.console.print(f"  · {line}", markup=False)
