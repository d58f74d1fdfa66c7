"""Merging an ``extends`` chain (national → province → county) into one policy, and hashing it.

Merge semantics, root first, each pack over its parent:
- ``params``: key by key — a child sets only what differs (Liaoning overrides the rigid-expense
  share and inherits the rest);
- ``rules``: by id — a new id adds a rule, a known id replaces the fields it gives and keeps the
  others, ``enabled: false`` drops the inherited rule; order is the parent's, additions last;
- ``risk_types``: the whole table is replaced when a pack gives one (a partial table would
  leave codes whose meaning depends on two files);
- ``terminology``: key by key, each key a fixed text or a list of dated variants;
- ``measures``: by id, like rules (``measure_merge``);
- ``elimination``: the criteria of risk elimination, by id, like rules (``elimination_merge``).

The chain is validated as a whole here: rule names against features and params, risk codes
against the merged table, reason placeholders, and every new rule complete. Errors point at
the file and line that introduced the problem.

The content hash is sha256 over canonical JSON (sorted keys, no whitespace) of the merged
content plus each chain member's id, version, scope and window: stable across runs, YAML key
order and formatting, and different as soon as any value a decision could depend on differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from jingzhun.domain.categories import DEFAULT_RISK_TYPES, RiskType
from jingzhun.domain.features import FEATURES
from jingzhun.domain.measures import Measure
from jingzhun.domain.policy import EliminationCriterion, ResolvedPolicy, Rule, RuleKind
from jingzhun.domain.rules import Expr, names_in, to_sql
from jingzhun.policy.elimination_merge import canonical_criteria, merge_criteria
from jingzhun.policy.errors import Issue, PolicyError
from jingzhun.policy.expressions import ExpressionError, check_names, check_reason, to_text
from jingzhun.policy.loader import LoadedPack, Loc
from jingzhun.policy.measure_merge import canonical_measures, merge_measures
from jingzhun.policy.schema import REQUIRED_RESOLVED, TermVariant

FEATURE_KINDS = {f.name: "bool" if f.kind == "bool" else "int" for f in FEATURES}
DEFAULT_RISK_CODE = "99"


@dataclass(frozen=True, slots=True)
class MergedRule:
    rule: Rule
    when_text: str
    defined_in: str  # pack id that last changed it


@dataclass(frozen=True, slots=True)
class Merged:
    """A chain merged and validated; date-independent (terminology is picked per date later)."""

    chain: tuple[LoadedPack, ...]  # root → leaf
    params: dict[str, int]
    param_notes: dict[str, str]
    param_origin: dict[str, str]  # resolved param → pack id that set it
    rules: tuple[MergedRule, ...]
    risk_types: tuple[RiskType, ...]
    default_risk_code: str
    terminology: dict[str, str | list[TermVariant]]
    content_hash: str
    measures: tuple[Measure, ...] = ()
    criteria: tuple[EliminationCriterion, ...] = ()

    @property
    def leaf(self) -> LoadedPack:
        return self.chain[-1]

    def terms_on(self, on: dt.date) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in self.terminology.items():
            if isinstance(value, str):
                out[key] = value
            else:
                text = next((v.text for v in value if v.in_force(on)), None)
                if text is not None:
                    out[key] = text
        return out

    def missing_params(self) -> list[str]:
        needed = set(REQUIRED_RESOLVED)
        for r in self.rules:
            needed |= names_in(r.rule.when) - FEATURE_KINDS.keys()
        return sorted(needed - self.params.keys())

    def build(self, on: dt.date) -> ResolvedPolicy:
        p = self.params
        return ResolvedPolicy(
            policy_id=self.leaf.id,
            version=self.leaf.spec.version,
            content_hash=self.content_hash,
            chain=tuple(pk.id for pk in self.chain),
            params=MappingProxyType(dict(p)),
            rules=tuple(r.rule for r in self.rules),
            risk_types=self.risk_types,
            terminology=MappingProxyType(self.terms_on(on)),
            income_window_months=p.get("income_window_months", 12),
            event_lookback_months=p.get("event_lookback_months", 12),
            default_risk_code=self.default_risk_code,
            max_risk_codes=p.get("max_risk_codes", 5),
            measures=self.measures,
            elimination=self.criteria,
        )


@dataclass
class _Draft:
    fields: dict[str, Any]
    where: dict[str, tuple[LoadedPack, Loc]]


def merge_chain(chain: Sequence[LoadedPack]) -> Merged:
    """Merge root → leaf; raise ``PolicyError`` listing every problem of the chain."""
    issues: list[Issue] = []
    params: dict[str, int] = {}
    notes: dict[str, str] = {}
    origin: dict[str, str] = {}
    risk_types: tuple[RiskType, ...] = DEFAULT_RISK_TYPES
    risk_where: tuple[LoadedPack, Loc] | None = None
    default_code = DEFAULT_RISK_CODE
    default_where: tuple[LoadedPack, Loc] | None = None
    terminology: dict[str, str | list[TermVariant]] = {}
    drafts: dict[str, _Draft] = {}
    for pack in chain:
        spec = pack.spec
        for name, value in pack.params.items():
            params[name] = value
            origin[name] = pack.id
            if name in pack.param_notes:
                notes[name] = pack.param_notes[name]
            else:
                notes.pop(name, None)
        if spec.risk_types is not None:
            risk_types = tuple(RiskType(t.code, t.label, t.group or t.code[:2]) for t in spec.risk_types)
            risk_where = (pack, ("risk_types",))
        if spec.default_risk_code is not None:
            default_code = spec.default_risk_code
            default_where = (pack, ("default_risk_code",))
        terminology.update(spec.terminology)
        _merge_rules(pack, drafts, issues)
    param_kinds = {n: "int" for n in set(params) | set(REQUIRED_RESOLVED)}
    names = set(FEATURE_KINDS) | set(param_kinds)
    clash = sorted(set(params) & set(FEATURE_KINDS))
    for name in clash:
        pack = next(pk for pk in reversed(chain) if name in pk.params)
        issues.append(pack.issue(("params", name), "POLICY_SCHEMA", f"参数名 {name} 与户特征同名"))
    codes = {t.code for t in risk_types}
    if default_code not in codes:
        pk, loc = default_where or risk_where or (chain[-1], ())
        issues.append(pk.issue(loc, "POLICY_SCHEMA", f"default_risk_code {default_code} 不在风险类型表中"))
    rules: list[MergedRule] = []
    for rule_id, d in drafts.items():
        rule = _check_rule(rule_id, d, {**FEATURE_KINDS, **param_kinds}, names, codes, issues)
        if rule is not None:
            rules.append(MergedRule(rule, to_text(rule.when), d.where["id"][0].id))
    measures = merge_measures(chain, params, codes, issues)
    criteria = merge_criteria(chain, param_kinds, issues)
    if issues:
        raise PolicyError.of(list(dict.fromkeys(issues)))
    merged = Merged(
        tuple(chain), params, notes, origin, tuple(rules), risk_types, default_code, terminology, "", measures, criteria
    )
    return replace(merged, content_hash=content_hash(merged))


def _merge_rules(pack: LoadedPack, drafts: dict[str, _Draft], issues: list[Issue]) -> None:
    for i, spec in enumerate(pack.spec.rules):
        if not spec.enabled:
            if drafts.pop(spec.id, None) is None:
                msg = f"规则 {spec.id} 不在上级政策包中，无法停用"
                issues.append(pack.issue(("rules", i, "enabled"), "POLICY_SCHEMA", msg))
            continue
        # a field written as null means "not given": the inherited value stays
        given = {k: v for k, v in spec.model_dump(exclude_unset=True, exclude={"enabled"}).items() if v is not None}
        if "when" in given:
            given["when"] = pack.conditions[spec.id]
        where: dict[str, tuple[LoadedPack, Loc]] = {key: (pack, ("rules", i, key)) for key in given}
        if spec.id in drafts:
            drafts[spec.id].fields.update(given)
            drafts[spec.id].where.update(where)
            continue
        missing = [k for k in ("kind", "when", "reason") if k not in given]
        if missing:
            msg = f"新规则 {spec.id} 须填写 {'、'.join(missing)}（若要修改上级规则，请核对 id）"
            issues.append(pack.issue(("rules", i, "id"), "POLICY_SCHEMA", msg))
            continue
        drafts[spec.id] = _Draft(given, where)


def _check_rule(
    rule_id: str,
    d: _Draft,
    kinds: dict[str, str],
    names: set[str],
    codes: set[str],
    issues: list[Issue],
) -> Rule | None:
    f = d.fields

    def at(key: str, code: str, message: str) -> None:
        pack, loc = d.where.get(key, d.where["id"])
        issues.append(pack.issue(loc, code, message))

    before = len(issues)
    when: Expr = f["when"]
    try:
        check_names(when, rule_id, kinds)
    except ExpressionError as e:
        at("when", e.code, e.message)
    try:
        check_reason(f["reason"], rule_id, names)
    except ExpressionError as e:
        at("reason", e.code, e.message)
    risk_codes = tuple(f.get("risk_codes") or ())
    for c in risk_codes:
        if c not in codes:
            at(
                "risk_codes",
                "POLICY_SCHEMA",
                f"规则 {rule_id} 的风险代码 {c} 不在风险类型表中（{'、'.join(sorted(codes))}）",
            )
    if len(issues) > before:
        return None
    return Rule(
        rule_id=rule_id,
        kind=RuleKind(f["kind"]),
        when=when,
        reason=f["reason"],
        risk_codes=risk_codes,
        label=f.get("label") or "",
        source=f.get("source") or "",
    )


def canonical(merged: Merged) -> dict[str, Any]:
    """The JSON-able content the hash is taken over (also what ``policy show --json`` prints)."""
    return {
        "chain": [
            {
                "id": pk.id,
                "version": pk.spec.version,
                "scope": pk.spec.scope.prefix,
                "effective_from": pk.spec.effective_from.isoformat(),
                "effective_to": pk.spec.effective_to.isoformat() if pk.spec.effective_to else None,
            }
            for pk in merged.chain
        ],
        "params": merged.params,
        "rules": [
            {
                "id": r.rule.rule_id,
                "kind": r.rule.kind.value,
                "when": to_sql(r.rule.when),
                "risk_codes": list(r.rule.risk_codes),
                "reason": r.rule.reason,
                "label": r.rule.label,
                "source": r.rule.source,
            }
            for r in merged.rules
        ],
        "risk_types": [[t.code, t.label, t.group] for t in merged.risk_types],
        "default_risk_code": merged.default_risk_code,
        "terminology": {
            k: v if isinstance(v, str) else [t.model_dump(mode="json", by_alias=True) for t in v]
            for k, v in merged.terminology.items()
        },
        "measures": canonical_measures(merged.measures),
        "elimination": canonical_criteria(merged.criteria),
    }


def content_hash(merged: Merged) -> str:
    text = json.dumps(canonical(merged), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
