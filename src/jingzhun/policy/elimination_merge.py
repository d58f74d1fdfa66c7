"""Merging the elimination criteria (风险消除条件) down an ``extends`` chain, and checking them as a whole.

By id, root first, like rules: a new id adds a criterion (which must then give ``severity``,
``when`` and ``unmet``), a known id replaces the fields it gives and keeps the others,
``enabled: false`` drops it; the order is the parent's, additions last. A condition may read
the identification features, the elimination facts (``domain.elimination``) and the pack's
parameters, and must be true/false; ``unmet`` may show any of them (``x_yuan`` for ``x_fen``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jingzhun.domain.elimination import ELIMINATION_FACTS
from jingzhun.domain.features import FEATURES
from jingzhun.domain.policy import EliminationCriterion, Severity
from jingzhun.domain.rules import to_sql
from jingzhun.policy.errors import Issue
from jingzhun.policy.expressions import ExpressionError, check_names, check_reason

if TYPE_CHECKING:
    from jingzhun.policy.loader import LoadedPack, Loc

FACT_KINDS = {f.name: "bool" if f.kind == "bool" else "int" for f in (*FEATURES, *ELIMINATION_FACTS)}
REQUIRED = ("severity", "when", "unmet")


@dataclass
class _Draft:
    fields: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[LoadedPack, Loc]] = field(default_factory=dict)


def merge_criteria(
    chain: Sequence[LoadedPack], param_names: Collection[str], issues: list[Issue]
) -> tuple[EliminationCriterion, ...]:
    """The chain's criteria in first-definition order; problems go to ``issues``.

    ``param_names``: the parameters a condition may read (the chain's and the required ones,
    which a leaf pack sets — the national pack has no threshold of its own).
    """
    drafts: dict[str, _Draft] = {}
    for pack in chain:
        for i, spec in enumerate(pack.spec.elimination):
            loc: Loc = ("elimination", i)
            if not spec.enabled:
                if drafts.pop(spec.id, None) is None:
                    msg = f"消除条件 {spec.id} 不在上级政策包中，无法停用"
                    issues.append(pack.issue((*loc, "enabled"), "POLICY_SCHEMA", msg))
                continue
            given = {k: v for k, v in spec.model_dump(exclude_unset=True, exclude={"enabled", "id"}).items()
                     if v is not None}  # fmt: skip
            if "when" in given:
                given["when"] = pack.criteria[spec.id]
            d = drafts.get(spec.id)
            if d is None:
                missing = [k for k in REQUIRED if k not in given]
                if missing:
                    msg = f"新消除条件 {spec.id} 须填写 {'、'.join(missing)}（若要修改上级条件，请核对 id）"
                    issues.append(pack.issue((*loc, "id"), "POLICY_SCHEMA", msg))
                    continue
                d = drafts[spec.id] = _Draft(where={"id": (pack, (*loc, "id"))})
            d.fields.update(given)
            d.where.update({k: (pack, (*loc, k)) for k in given})
    kinds = {**FACT_KINDS, **dict.fromkeys(param_names, "int")}
    out = [_build(cid, d, kinds, issues) for cid, d in drafts.items()]
    return tuple(c for c in out if c is not None)


def _build(criterion_id: str, d: _Draft, kinds: dict[str, str], issues: list[Issue]) -> EliminationCriterion | None:
    f = d.fields
    before = len(issues)

    def at(key: str, e: ExpressionError) -> None:
        pack, loc = d.where.get(key, d.where["id"])
        issues.append(pack.issue(loc, e.code, e.message))

    try:
        check_names(f["when"], criterion_id, kinds)
    except ExpressionError as e:
        at("when", e)
    try:
        check_reason(f["unmet"], criterion_id, set(kinds))
    except ExpressionError as e:
        at("unmet", e)
    if len(issues) > before:
        return None
    return EliminationCriterion(
        criterion_id=criterion_id,
        severity=Severity(f["severity"]),
        when=f["when"],
        unmet=f["unmet"],
        label=f.get("label", ""),
        source=f.get("source", ""),
    )


def canonical_criteria(criteria: Sequence[EliminationCriterion]) -> list[dict[str, Any]]:
    """The JSON-able criteria the policy's content hash covers (and ``policy show`` prints)."""
    return [
        {"id": c.criterion_id, "severity": c.severity.value, "when": to_sql(c.when), "unmet": c.unmet,
         "label": c.label, "source": c.source}
        for c in criteria
    ]  # fmt: skip
