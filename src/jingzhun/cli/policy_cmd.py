"""``jingzhun policy show|validate|list``: look at, check and list policy packs.

``show`` prints the parameters, the screening rules and the measure catalogue (帮扶措施目录).

Exit codes: 0 success; 1 a pack is invalid or cannot be resolved (messages as
``FILE:LINE: field: CODE message``); 2 usage error (bad option values).
``show --json`` and ``list --json`` print one JSON document to stdout for scripts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from jingzhun.cli import render
from jingzhun.domain.deadlines import local_date
from jingzhun.domain.measures import Measure, Target
from jingzhun.domain.measures import render as render_label
from jingzhun.domain.policy import ResolvedPolicy, RuleKind
from jingzhun.domain.rules import to_sql
from jingzhun.policy import PackSet, PolicyError, load_packs, validate_files
from jingzhun.policy.measure_merge import canonical_measures
from jingzhun.policy.merge import Merged
from jingzhun.policy.registry import expand
from jingzhun.policy.schema import PARAM_LABELS
from jingzhun.reference.divisions import name_of

app = typer.Typer(help="政策包：查看、校验、列出（监测标准、识别规则、帮扶措施目录）", no_args_is_help=True)

PackOpt = Annotated[
    list[Path] | None, typer.Option("--pack", help="另外加载的政策包文件或目录（可重复）；同 id 覆盖内置包")
]
KIND_LABELS = {
    RuleKind.INCOME: "收入",
    RuleKind.SHOCK: "突发",
    RuleKind.BASIC_NEED: "三保障/饮水",
    RuleKind.RISK: "风险标注",
}


def _fail(err: PolicyError) -> typer.Exit:
    for issue in err.issues:
        render.err_console.print(str(issue), markup=False, highlight=False)
    return typer.Exit(1)


def _yuan(fen: int) -> int | float:
    return fen // 100 if fen % 100 == 0 else fen / 100


def _day(year: int | None, date: str | None) -> dt.date:
    if date:
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            raise typer.BadParameter(f"日期“{date}”应为 YYYY-MM-DD", param_hint="--date") from None
    if year:
        return dt.date(year, 1, 1)
    return local_date(dt.datetime.now(dt.UTC))  # the day in China, as every other date option


def _load(extra: list[Path] | None, target: str) -> tuple[PackSet, str]:
    """The pack set (plus ``target`` if it is a file) and the pack id to show."""
    paths = list(extra or [])
    as_file = Path(target)
    if as_file.suffix in (".yaml", ".yml"):
        paths.append(as_file)
    packs = load_packs(paths)
    return packs, packs.id_of_file(as_file) if as_file.suffix in (".yaml", ".yml") else target


@app.command("show")
def show(
    pack_id: Annotated[str, typer.Argument(metavar="ID", help="政策包 id（如 cn-53-2025、cn-national）或 YAML 文件")],
    province: Annotated[str | None, typer.Option("--province", help="省级代码，如 53")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县级代码，如 532328")] = None,
    year: Annotated[int | None, typer.Option("--year", min=2000, max=2100, help="年度（取该年 1 月 1 日）")] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD（默认今天；只给 ID 时取该包生效期内最近的一天）")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象")] = False,
    pack: PackOpt = None,
) -> None:
    """显示某政策包（或某省/县在某日适用的政策包）解析后的参数、规则和帮扶措施目录。"""
    division = county or province
    on = _day(year, date)
    if county and province and not county.startswith(province):
        raise typer.BadParameter(f"县 {county} 不属于省 {province}", param_hint="--county")
    try:
        packs, target = _load(pack, pack_id)
        if division is None and year is None and date is None:
            on = _within_window(packs, target, on)
        policy = packs.resolve_pack(target, division, on, require_threshold=division is not None)
    except PolicyError as e:
        raise _fail(e) from None
    merged = packs.merged(policy.policy_id)
    doc = policy_document(policy, merged, on)
    if as_json:
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print_policy(doc, merged)


def _within_window(packs: PackSet, pack_id: str, today: dt.date) -> dt.date:
    """With no place and no date, show a pack as of a day it is in force (its wording then)."""
    spec = packs.pack(pack_id).spec
    if today < spec.effective_from:
        return spec.effective_from
    if spec.effective_to is not None and today > spec.effective_to:
        return spec.effective_to
    return today


def policy_document(policy: ResolvedPolicy, merged: Merged, on: dt.date) -> dict[str, Any]:
    """Everything ``show --json`` prints: identity, window, params (fen and yuan), rules, measures, wording."""
    spec = merged.leaf.spec
    params: dict[str, int | float] = {}
    for name, value in sorted(policy.params.items()):
        params[name] = value
        if name.endswith("_fen"):
            params[name.removesuffix("_fen") + "_yuan"] = _yuan(value)
    threshold = policy.params.get("monitoring_threshold_fen")
    return {
        "policy_id": policy.policy_id,
        "version": policy.version,
        "title": spec.title,
        "document": spec.document,
        "provisional": spec.provisional,
        "notes": spec.notes,
        "scope": spec.scope.prefix,
        "content_hash": policy.content_hash,
        "chain": list(policy.chain),
        "as_of": on.isoformat(),
        "effective_from": spec.effective_from.isoformat(),
        "effective_to": spec.effective_to.isoformat() if spec.effective_to else None,
        "monitoring_threshold_fen": threshold,
        "monitoring_threshold_yuan": _yuan(threshold) if threshold is not None else None,
        "params": params,
        "param_sources": {name: merged.param_origin[name] for name in sorted(policy.params)},
        "param_derivations": dict(sorted(merged.param_notes.items())),
        "income_window_months": policy.income_window_months,
        "event_lookback_months": policy.event_lookback_months,
        "default_risk_code": policy.default_risk_code,
        "max_risk_codes": policy.max_risk_codes,
        "rules": [
            {
                "id": r.rule.rule_id,
                "kind": r.rule.kind.value,
                "label": r.rule.label,
                "when": r.when_text,
                "when_sql": to_sql(r.rule.when),
                "risk_codes": list(r.rule.risk_codes),
                "reason": r.rule.reason,
                "source": r.rule.source,
                "defined_in": r.defined_in,
            }
            for r in merged.rules
        ],
        "risk_types": [{"code": t.code, "label": t.label, "group": t.group} for t in policy.risk_types],
        "terminology": dict(policy.terminology),
        "measures": [
            _measure_document(e, m) for e, m in zip(canonical_measures(policy.measures), policy.measures, strict=True)
        ],
    }


def _measure_document(entry: dict[str, Any], measure: Measure) -> dict[str, Any]:
    """A canonical catalogue entry as ``show --json`` prints it: conditions as text and SQL like the
    rules, and ``x_yuan`` beside every ``x_fen`` amount like the params."""
    params: dict[str, int | float] = {}
    for name, value in entry["params"].items():
        params[name] = value
        if name.endswith("_fen"):
            params[name.removesuffix("_fen") + "_yuan"] = _yuan(value)
    eligibility = [
        {"when": c.text, "when_sql": e["when"], "label": e["label"]}
        for c, e in zip(measure.conditions, entry["eligibility"], strict=True)
    ]
    return {
        **entry,
        "eligibility": eligibility,
        "params": params,
        "expected_income_yuan": _yuan(entry["expected_income_fen"]),
    }


def _print_policy(doc: dict[str, Any], merged: Merged) -> None:
    c = render.console
    window = f"{doc['effective_from']} 至 {doc['effective_to'] or '长期'}"
    c.print(f"[bold]{doc['title']}[/bold]  {doc['policy_id']} 版本 {doc['version']}")
    c.print(f"适用范围：{_scope_text(doc['scope'])}　生效期：{window}　文件：{doc['document'] or '-'}")
    c.print(f"继承链：{' → '.join(doc['chain'])}　内容哈希：{doc['content_hash'][:16]}…　按日期：{doc['as_of']}")
    if doc["provisional"]:
        c.print(f"[bold yellow]暂定政策包：[/bold yellow]{doc['notes'] or '数值未经核实，待正式文件公布后替换'}")
    if doc["monitoring_threshold_yuan"] is None:
        c.print("[yellow]本政策包未设定监测标准（由省、县政策包设定）[/yellow]")
    t = Table(title="参数")
    t.add_column("参数")
    t.add_column("值", justify="right", no_wrap=True)
    t.add_column("设定于", no_wrap=True)
    t.add_column("计算")
    for name, value in merged.params.items():
        shown = f"{_yuan(value):,} 元" if name.endswith("_fen") else f"{value:,}"
        label = PARAM_LABELS.get(name, "")
        t.add_row(f"{label}\n[dim]{name}[/dim]", shown, merged.param_origin[name], merged.param_notes.get(name, ""))
    c.print(t)
    r = Table(title="识别规则")
    r.add_column("规则", no_wrap=True)
    r.add_column("类型", no_wrap=True)
    r.add_column("风险", no_wrap=True)
    r.add_column("条件", overflow="fold")
    for rule in doc["rules"]:
        kind = KIND_LABELS[RuleKind(rule["kind"])]
        r.add_row(f"{rule['id']}\n[dim]{rule['label']}[/dim]", kind, " ".join(rule["risk_codes"]), rule["when"])
    c.print(r)
    if merged.measures:
        c.print(_measure_table(merged.measures, merged.params, c.width))
    if doc["terminology"]:
        c.print("术语：" + "；".join(f"{k} = {v}" for k, v in doc["terminology"].items()))


def _measure_table(measures: tuple[Measure, ...], pack_params: dict[str, int], width: int) -> Table:
    """The catalogue: one row per measure, conditions as their labels with the params filled in.

    Rich measures Chinese text without spaces as one unbreakable word, so the columns get
    maximum widths that fit ``width`` (otherwise the table is wider than the terminal and cut).
    """
    id_width = max(len(m.measure_id) for m in measures)
    rest = max(width - (id_width + 10 + 4 + 10) - 19, 12)  # 19: borders and padding of six columns
    t = Table(title=f"帮扶措施目录（{len(measures)} 项）")
    t.add_column("措施", min_width=id_width, max_width=id_width, overflow="fold")
    t.add_column("类型", max_width=10, overflow="fold")
    t.add_column("对象", no_wrap=True)
    t.add_column("提供方", max_width=10, overflow="fold")
    t.add_column("条件", max_width=rest * 3 // 5, overflow="fold")
    t.add_column("参数", max_width=rest - rest * 3 // 5, overflow="fold")
    for m in measures:
        env = {**pack_params, **m.params}
        conditions = "\n".join(f"·{render_label(c.label, env)}" for c in m.conditions) or "-"
        t.add_row(  # labels are pack text: escaped, so a "[…]" in them is not rich markup
            f"{m.measure_id}\n[dim]{escape(m.label)}[/dim]",
            f"{m.type.label}\n[dim]{m.role.label}[/dim]",
            "个人" if m.target is Target.PERSON else "户",
            m.provider.label,
            escape(conditions),
            escape(_measure_params_text(m)),
        )
    return t


def _measure_params_text(m: Measure) -> str:
    parts = []
    for name, value in m.params.items():
        if name.endswith("_fen"):
            parts.append(f"{name.removesuffix('_fen')} {_yuan(value):,} 元")
        else:
            parts.append(f"{name} {value:,}")
    if m.expected_income_fen:
        parts.append(f"预期增收 {_yuan(m.expected_income_fen):,} 元/年，{m.effect_months} 个月见效")
    if m.assess_on:
        parts.append("开学日 " + "、".join(f"{mo:02d}-{dd:02d}" for mo, dd in m.assess_on))
    return "\n".join(parts) or "-"


def _scope_text(prefix: str) -> str:
    if not prefix:
        return "全国"
    return f"{name_of(prefix.ljust(6, '0')) or ''} {prefix}".strip()


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="要校验的政策包 YAML 文件或目录")],
) -> None:
    """校验政策包：格式、金额、规则表达式、继承关系、生效期重叠。有错误时退出码为 1。"""
    try:
        paths = expand(files)
        issues = validate_files(paths)
    except PolicyError as e:
        paths, issues = [], list(e.issues)
    bad_files = {i.file for i in issues}
    for f in paths:
        if str(f) not in bad_files:
            typer.echo(f"✓ {f}")
    for issue in issues:
        typer.echo(str(issue))
    if issues:
        typer.echo(f"✗ {len(issues)} 个问题", err=True)
        raise typer.Exit(1)


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False,
    pack: PackOpt = None,
) -> None:
    """列出已加载的政策包：id、版本、适用范围、生效期、监测标准。"""
    try:
        packs = load_packs(list(pack or []))
    except PolicyError as e:
        raise _fail(e) from None
    rows: list[dict[str, Any]] = []
    for p in packs:
        fen = packs.merged(p.id).params.get("monitoring_threshold_fen")
        rows.append(
            {
                "id": p.id,
                "version": p.spec.version,
                "scope": p.spec.scope.prefix,
                "extends": p.spec.extends,
                "effective_from": p.spec.effective_from.isoformat(),
                "effective_to": p.spec.effective_to.isoformat() if p.spec.effective_to else None,
                "monitoring_threshold_yuan": _yuan(fen) if fen is not None else None,
                "provisional": p.spec.provisional,
                "file": p.file,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    t = Table(title=f"政策包（{len(rows)} 个）")
    t.add_column("id", no_wrap=True)
    t.add_column("版本")
    t.add_column("适用范围")
    t.add_column("生效期", no_wrap=True)
    t.add_column("监测标准（元/人·年）", justify="right")
    for row in rows:
        threshold = "-" if row["monitoring_threshold_yuan"] is None else f"{row['monitoring_threshold_yuan']:,}"
        if row["provisional"]:
            threshold += " [yellow]暂定[/yellow]"
        window = f"{row['effective_from']}～{row['effective_to'] or '长期'}"
        t.add_row(row["id"], row["version"], _scope_text(row["scope"]), window, threshold)
    render.console.print(t)
