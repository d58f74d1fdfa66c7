"""Compile a resolved policy's rules into one DuckDB SELECT over the feature table.

For one group of households sharing a policy, the SELECT computes a flag per rule (the rule
tree printed as SQL, parameters inlined as integer constants), then the category, the ordered
risk codes, the rule ids, the Chinese reasons and the evidence JSON — all in SQL, so a
million households never pass through Python one by one. Ordering and formatting follow
``domain/screening.py`` exactly (parity test).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from jingzhun.domain.features import FEATURE_NAMES, FEATURES
from jingzhun.domain.policy import ResolvedPolicy, RuleKind
from jingzhun.domain.rules import Call, Const, Expr, Name, to_sql
from jingzhun.domain.screening import PLACEHOLDER, render_value, rule_names

_BOOL_FEATURES = frozenset(f.name for f in FEATURES if f.kind == "bool")


def inline_params(expr: Expr, params: dict[str, int], columns: Collection[str] = FEATURE_NAMES) -> Expr:
    """Replace parameter names by their constants (``columns`` — the features — stay column references)."""
    if isinstance(expr, Name) and expr.name not in columns:
        return Const(params[expr.name])
    if isinstance(expr, Call):
        return Call(expr.op, tuple(inline_params(a, params, columns) for a in expr.args))
    return expr


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _feature_text(name: str, bools: Collection[str] = _BOOL_FEATURES) -> str:
    """SQL rendering of a feature for a reason, as ``render_value`` renders it in Python."""
    col = f'"{name}"'
    if name in bools:
        return f"CASE WHEN {col} IS NULL THEN '—' WHEN {col} THEN '是' ELSE '否' END"
    return f"CASE WHEN {col} IS NULL THEN '—' ELSE format('{{:,}}', {col}) END"


def _yuan_text(col: str) -> str:
    return f"CASE WHEN {col} IS NULL THEN '—' ELSE format('{{:,}}', sign({col}) * ((abs({col}) + 50) // 100)) END"


def reason_sql(
    template: str,
    policy: ResolvedPolicy,
    columns: Collection[str] = FEATURE_NAMES,
    bools: Collection[str] = _BOOL_FEATURES,
) -> str:
    """The reason template as a SQL string expression; parameter values are constants.

    ``columns``: the names that are columns of the row (the features; for elimination also its
    facts), of which ``bools`` print as 是/否.
    """
    params = dict(policy.params)
    parts: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(_quote(template[pos : m.start()]))
        name = m.group(1)
        base = f"{name[:-5]}_fen" if name.endswith("_yuan") else None
        if base and base in columns:
            parts.append(_yuan_text(f'"{base}"'))
        elif name in columns:
            parts.append(_feature_text(name, bools))
        else:  # a parameter: rendered once, here, by the same function the domain uses
            parts.append(_quote(render_value(name, params)))
        pos = m.end()
    if pos < len(template):
        parts.append(_quote(template[pos:]))
    return "(" + " || ".join(parts or ["''"]) + ")"


def rules_select(policy: ResolvedPolicy, features_table: str, where: str) -> str:
    """SELECT of the flagged households of ``features_table`` matching ``where``."""
    params = dict(policy.params)
    rules = policy.rules
    flags = [f"coalesce({to_sql(inline_params(r.when, params))}, false) AS f{i}" for i, r in enumerate(rules)]

    def any_of(kinds: set[RuleKind]) -> str:
        idx = [f"f{i}" for i, r in enumerate(rules) if r.kind in kinds]
        return "(" + " OR ".join(idx) + ")" if idx else "false"

    flagging = any_of({RuleKind.INCOME, RuleKind.SHOCK, RuleKind.BASIC_NEED})
    category = (
        f"CASE WHEN {any_of({RuleKind.INCOME})} THEN "
        "CASE WHEN alleviated THEN 'unstable_alleviated' ELSE 'marginal_at_risk' END "
        f"WHEN {any_of({RuleKind.SHOCK})} THEN 'sudden_hardship' END"
    )
    rule_ids = (
        "list_filter(["
        + ", ".join(f"CASE WHEN f{i} THEN {_quote(r.rule_id)} END" for i, r in enumerate(rules))
        + "], lambda x: x IS NOT NULL)"
    )
    reasons = (
        "list_filter(["
        + ", ".join(f"CASE WHEN f{i} THEN {reason_sql(r.reason, policy)} END" for i, r in enumerate(rules))
        + "], lambda x: x IS NOT NULL)"
    )
    return f"""
SELECT household_id, division_code,
       {category} AS category,
       {_risk_codes_sql(policy)} AS risk_codes,
       {rule_ids} AS rule_ids,
       {reasons} AS reasons,
       {_evidence_sql(policy, params)} AS evidence
FROM (SELECT *, {", ".join(flags) if flags else "false AS f0"} FROM {features_table} WHERE {where})
WHERE {flagging}
"""


def _risk_codes_sql(policy: ResolvedPolicy) -> str:
    """Codes in order of first appearance among fired rules, without repeats, capped."""
    first: dict[str, list[tuple[int, str]]] = {}
    for i, r in enumerate(policy.rules):
        for j, code in enumerate(r.risk_codes):
            first.setdefault(code, []).append((i * 100 + j, f"f{i}"))
    items = []
    for code, places in first.items():
        key = "LEAST(" + ", ".join(f"CASE WHEN {flag} THEN {k} END" for k, flag in places) + ")"
        if len(places) == 1:
            key = f"CASE WHEN {places[0][1]} THEN {places[0][0]} END"
        items.append(f"struct_pack(k := {key}, c := {_quote(code)})")
    if not items:
        return f"[{_quote(policy.default_risk_code)}]"
    ordered = f"list_transform(list_sort(list_filter([{', '.join(items)}], lambda x: x.k IS NOT NULL)), lambda x: x.c)"
    capped = f"{ordered}[1:{policy.max_risk_codes}]"
    return f"CASE WHEN len({ordered}) = 0 THEN [{_quote(policy.default_risk_code)}] ELSE {capped} END"


def _evidence_sql(policy: ResolvedPolicy, params: dict[str, int]) -> str:
    """JSON object of every name read by a fired rule, keys sorted (as the domain's dict)."""
    known = {name: None for name in (*FEATURE_NAMES, *params)}
    users: dict[str, list[int]] = {}
    for i, r in enumerate(policy.rules):
        for name in rule_names(r, known):
            users.setdefault(name, []).append(i)
    entries = []
    for name in sorted(users):
        used = " OR ".join(f"f{i}" for i in users[name])
        if name in FEATURE_NAMES:
            # integers and booleans print as JSON when cast to text; NULL becomes null
            value = f"coalesce(CAST(\"{name}\" AS VARCHAR), 'null')"
        else:
            value = _quote(json.dumps(params[name]))
        entries.append(f"CASE WHEN {used} THEN {_quote(json.dumps(name) + ':')} || {value} END")
    if not entries:
        return "'{}'"
    # concat_ws skips NULLs: only the entries of fired rules remain, in sorted key order
    return "'{' || concat_ws(',', " + ", ".join(entries) + ") || '}'"
