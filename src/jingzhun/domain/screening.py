"""Identification of one household: which rules fire, the category, the risk codes, the reasons.

This is the pure ``evaluate()`` of the screening: given a household's features (``features.py``)
and a resolved policy, it decides. The columnar engine (``adapters/engine/screen_duckdb.py``)
applies the same rules to a whole county or nation; a parity test holds them to the same
answer for every household.

Decision (policy notes §2, the 2024 combined test):
- an ``income`` rule fired → 脱贫不稳定户 (alleviated) or 边缘易致贫户 (ordinary);
- else a ``shock`` rule fired → 突发严重困难户 (income may be above the threshold);
- else a ``basic_need`` rule fired → flagged without a category: a 两不愁三保障 or water
  problem to verify on a household visit, where the category is decided (issue 4);
- ``risk`` rules only add their risk codes to a household flagged by another rule.
Risk codes follow rule order, without repeats, at most ``max_risk_codes`` (5); a flagged
household with none gets ``default_risk_code`` (99 其他).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jingzhun.domain.categories import MonitoringCategory
from jingzhun.domain.policy import ResolvedPolicy, Rule, RuleKind
from jingzhun.domain.rules import Expr, Value, evaluate, names_in

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Warning:
    """One flagged household: what was decided and exactly why."""

    household_id: str
    category: MonitoringCategory | None
    risk_codes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    evidence: dict[str, Value]


def environment(features: Mapping[str, Value], policy: ResolvedPolicy) -> dict[str, Value]:
    """Names a rule can read: the household's features and the policy's parameters."""
    return {**policy.params, **features}


def fired_rules(env: Mapping[str, Value], policy: ResolvedPolicy) -> list[Rule]:
    return [r for r in policy.rules if evaluate(r.when, env) is True]


def decide(household_id: str, features: Mapping[str, Value], policy: ResolvedPolicy) -> Warning | None:
    """The warning for one household, or ``None`` when no flagging rule fires."""
    env = environment(features, policy)
    fired = fired_rules(env, policy)
    kinds = {r.kind for r in fired}
    if not kinds - {RuleKind.RISK}:
        return None
    category: MonitoringCategory | None = None
    if RuleKind.INCOME in kinds:
        category = MonitoringCategory.UNSTABLE_ALLEVIATED if env["alleviated"] else MonitoringCategory.MARGINAL_AT_RISK
    elif RuleKind.SHOCK in kinds:
        category = MonitoringCategory.SUDDEN_HARDSHIP
    codes: list[str] = []
    for rule in fired:
        for code in rule.risk_codes:
            if code not in codes:
                codes.append(code)
    codes = codes[: policy.max_risk_codes] or [policy.default_risk_code]
    evidence_names = sorted(set().union(*(rule_names(r, env) for r in fired)))
    return Warning(
        household_id=household_id,
        category=category,
        risk_codes=tuple(codes),
        rule_ids=tuple(r.rule_id for r in fired),
        reasons=tuple(render_reason(r.reason, env) for r in fired),
        evidence={name: env[name] for name in evidence_names},
    )


def rule_names(rule: Rule, env: Mapping[str, object]) -> set[str]:
    """Names a rule reads or shows: its condition and its reason's placeholders (``x_yuan`` → ``x_fen``).

    These are the rule's evidence — the values a cadre needs to check the decision.
    """
    return shown_names(rule.when, rule.reason, env)


def shown_names(when: Expr, template: str, env: Mapping[str, object]) -> set[str]:
    """Names a condition reads and a template shows (``x_yuan`` → ``x_fen``), those known to ``env``."""
    names = set(names_in(when))
    for m in PLACEHOLDER.finditer(template):
        name = m.group(1)
        if name.endswith("_yuan") and f"{name[:-5]}_fen" in env:
            name = f"{name[:-5]}_fen"
        if name in env:
            names.add(name)
    return names


def yuan_text(fen: int) -> str:
    """Whole yuan, half-up, with thousands separators: 791250 → "7,913"."""
    y = (Decimal(fen) / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{int(y):,}"


def render_value(name: str, env: Mapping[str, Value]) -> str:
    if name.endswith("_yuan") and f"{name[:-5]}_fen" in env:
        v = env[f"{name[:-5]}_fen"]
        return "—" if v is None else yuan_text(int(v))
    v = env[name]
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    return f"{v:,}"


def render_reason(template: str, env: Mapping[str, Value]) -> str:
    """Fill ``{name}`` placeholders; ``{x_yuan}`` shows the fen value ``x_fen`` in yuan."""
    return PLACEHOLDER.sub(lambda m: render_value(m.group(1), env), template)
