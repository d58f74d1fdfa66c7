"""Merging the measure catalogue down an ``extends`` chain, and checking it as a whole.

By id, root first, each pack over its parent: a new id adds an entry (which must then be
complete), a known id replaces the fields it gives and keeps the others, ``params`` merge key
by key, ``enabled: false`` drops the entry. Checks that need the whole chain: every name an
eligibility condition reads is a fact, a pack parameter or one of the measure's own
parameters; a household measure reads no person fact; conditions are true/false; labels name
known placeholders; ``addresses`` are in the merged risk table (a code or a two-digit family);
a term-based grant names its term starts; a per-term amount is within the measure's cap. A
shared ``duplicate_key`` is allowed on purpose: it is how two programmes that cover one need
are declared to exclude each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from jingzhun.domain.measures import FACTS, PERSON_FACT_NAMES, Condition, Measure, Period, Target
from jingzhun.domain.rules import names_in, to_sql
from jingzhun.policy.errors import Issue
from jingzhun.policy.expressions import ExpressionError, check_names, check_reason, to_text

if TYPE_CHECKING:
    from jingzhun.policy.loader import LoadedPack, Loc

REQUIRED = ("type", "label", "role", "target", "provider", "eligibility")


@dataclass
class _Draft:
    fields: dict[str, Any] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)
    where: dict[str, tuple[LoadedPack, Loc]] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)  # field → position in the chain of the pack that set it


def merge_measures(
    chain: Sequence[LoadedPack], pack_params: dict[str, int], risk_codes: set[str], issues: list[Issue]
) -> tuple[Measure, ...]:
    """The chain's catalogue, in first-definition order; problems go to ``issues``."""
    drafts: dict[str, _Draft] = {}
    for depth, pack in enumerate(chain):
        for m in pack.measures:
            loc: Loc = ("measures", m.index)
            if not m.entry.enabled:
                if drafts.pop(m.id, None) is None:
                    msg = f"措施 {m.id} 不在上级政策包中，无法停用"
                    issues.append(pack.issue((*loc, "enabled"), "POLICY_SCHEMA", msg))
                continue
            given = m.entry.model_dump(exclude_unset=True, exclude={"enabled", "params", "id"})
            given = {k: v for k, v in given.items() if v is not None}
            if m.conditions is not None:
                given["eligibility"] = [
                    (expr, c.label) for expr, c in zip(m.conditions, m.entry.eligibility or (), strict=True)
                ]
            if m.expected_income_fen is not None:
                given["expected_income"] = m.expected_income_fen
            if m.assess_on is not None:
                given["assess_on"] = m.assess_on
            d = drafts.get(m.id)
            if d is None:
                missing = [k for k in REQUIRED if k not in given]
                if missing:
                    msg = f"新措施 {m.id} 须填写 {'、'.join(missing)}（若要修改上级措施，请核对 id）"
                    issues.append(pack.issue((*loc, "id"), "POLICY_SCHEMA", msg))
                    continue
                d = drafts[m.id] = _Draft(where={"id": (pack, (*loc, "id"))})
            d.fields.update(given)
            d.params.update(m.params)
            d.where.update({k: (pack, (*loc, k)) for k in given})
            d.depth.update(dict.fromkeys(given, depth))
            d.where.update({f"params.{k}": (pack, (*loc, "params")) for k in m.params})
            d.depth.update(dict.fromkeys((f"params.{k}" for k in m.params), depth))
    out = [_build(mid, d, pack_params, risk_codes, issues) for mid, d in drafts.items()]
    return tuple(m for m in out if m is not None)


def _build(
    measure_id: str, d: _Draft, pack_params: dict[str, int], risk_codes: set[str], issues: list[Issue]
) -> Measure | None:
    f = d.fields
    before = len(issues)

    def at(key: str, message: str, code: str = "POLICY_SCHEMA", sub: Loc = ()) -> None:
        pack, loc = d.where.get(key, d.where["id"])
        issues.append(pack.issue((*loc, *sub), code, message))

    target = Target(f["target"])
    facts = {n: ("bool" if x.kind == "bool" else "int") for n, x in FACTS.items()}
    if target is Target.HOUSEHOLD:
        facts = {n: k for n, k in facts.items() if n not in PERSON_FACT_NAMES}
    clash = sorted(set(d.params) & set(FACTS))
    if clash:
        at(f"params.{clash[0]}", f"措施 {measure_id} 的参数名 {'、'.join(clash)} 与条件事实同名")
    per_term, cap = d.params.get("amount_per_term_fen"), d.params.get("max_amount_fen")
    if per_term is not None and cap is not None and per_term > cap:
        # a county raising the amount but not the cap would have every grant refused by the plan
        later = max(("params.amount_per_term_fen", "params.max_amount_fen"), key=lambda k: d.depth[k])
        at(later, f"措施 {measure_id} 的 amount_per_term（{_yuan(per_term)} 元）超过上限 max_amount"
                  f"（{_yuan(cap)} 元）：改金额时请同时改上限")  # fmt: skip
    kinds = {**facts, **dict.fromkeys(pack_params, "int"), **dict.fromkeys(d.params, "int")}
    conditions: list[Condition] = []
    for j, (expr, label) in enumerate(f["eligibility"]):
        name = f"{measure_id}.eligibility[{j}]"
        try:
            check_names(expr, name, kinds)
            check_reason(label, name, set(kinds))
        except ExpressionError as e:
            person_only = sorted(names_in(expr) & PERSON_FACT_NAMES) if target is Target.HOUSEHOLD else []
            hint = f"（{'、'.join(person_only)} 只适用于对象为个人的措施）" if person_only else ""
            if person_only and d.depth["target"] > d.depth["eligibility"]:
                # an inherited condition broken by a later pack's ``target: household``: say so there
                at("target", e.message + hint, e.code)
            else:
                at("eligibility", e.message + hint, e.code, (j, "when"))
            continue
        conditions.append(Condition(expr, to_text(expr), label))
    for code in f.get("addresses", ()):
        if code not in risk_codes and not any(c[:2] == code for c in risk_codes):
            at("addresses", f"措施 {measure_id} 的风险代码 {code} 不在风险类型表中")
    period = Period(f.get("period", Period.SPAN))
    if period is Period.TERM and not f.get("assess_on"):
        at("period", f"措施 {measure_id} 按学期计（period: term）须写明开学日期 assess_on")
    if len(issues) > before:
        return None
    return Measure(
        measure_id=measure_id,
        type=f["type"],
        label=f["label"],
        role=f["role"],
        target=target,
        provider=f["provider"],
        addresses=tuple(f.get("addresses", ())),
        conditions=tuple(conditions),
        params=MappingProxyType(dict(d.params)),
        fund_source=f.get("fund_source", ""),
        expected_income_fen=f.get("expected_income", 0),
        effect_months=f.get("effect_months", 0),
        resolves=tuple(f.get("resolves", ())),
        period=period,
        coverage_months=f.get("coverage_months", 12),
        duplicate_key=f.get("duplicate_key", ""),
        entitlement=f.get("entitlement", False),
        assess_on=tuple(f.get("assess_on", ())),
        feed_events=tuple(f.get("feed_events", ())),
        source=f.get("source", ""),
    )


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}" if fen % 100 == 0 else f"{fen / 100:,.2f}"


def canonical_measures(measures: Sequence[Measure]) -> list[dict[str, Any]]:
    """The JSON-able catalogue the policy's content hash covers (and ``policy show`` prints)."""
    return [
        {
            "id": m.measure_id,
            "type": m.type.value,
            "label": m.label,
            "role": m.role.value,
            "target": m.target.value,
            "provider": m.provider.value,
            "addresses": list(m.addresses),
            "eligibility": [{"when": to_sql(c.when), "label": c.label} for c in m.conditions],
            "params": dict(m.params),
            "fund_source": m.fund_source,
            "expected_income_fen": m.expected_income_fen,
            "effect_months": m.effect_months,
            "resolves": list(m.resolves),
            "period": m.period.value,
            "coverage_months": m.coverage_months,
            "duplicate_key": m.duplicate_key,
            "entitlement": m.entitlement,
            "assess_on": [f"{mo:02d}-{dd:02d}" for mo, dd in m.assess_on],
            "feed_events": list(m.feed_events),
            "source": m.source,
        }
        for m in measures
    ]
