"""Risk elimination (风险消除) of one household: which criteria hold, with what evidence, by which method.

Policy notes §5: a household's risk is eliminated when its income is stably above the line
(Anhui: "原则上不得低于半年"), 三保障 and drinking water are secure, large rigid spending is
resolved and no risk remains — and never for a household with no labour capacity, which stays
under safety-net support and tracking. The criteria are policy data (``elimination:`` in the
packs, ``ResolvedPolicy.elimination``), written in the rule language over the identification
features (``features.FEATURES``), the facts below and the policy's parameters. This module is
the pure definition; the DuckDB engine (``adapters.engine.elimination_duckdb``) evaluates the
same criteria over a county and is held to this module by parity tests.

A criterion is met only when its condition is TRUE: unknown data (NULL) proves nothing, so it
does not let a household out. ``block`` criteria must all be met for a household to be a
candidate; an unmet ``flag`` criterion (e.g. elimination within two months of identification)
does not refuse but must be answered with a reason at the procedure.

The facts beyond the identification features:

* ``stable_income_months`` — how long the income has been at or above the threshold: the months
  from the earliest window of the unbroken run of recorded windows at or above it (going back
  from the current window) to the current one. 0 when the current window is below, NULL when
  it is missing. Two recorded windows, 6 months apart, both above: 6. Conservative on purpose:
  only recorded windows count as evidence, and any window below breaks the run.
* ``still_flagged`` — an identification rule would still flag the household today (a shock,
  rigid spending, a basic need or income below the line).
* ``risks_without_measure`` — confirmed risks of the case with no measure that was started.
* ``measures_in_effect`` — plan measures started (in progress, delivered or ended): the method
  is 帮扶消除 (by assistance) when there is one, else 自然消除 (natural).
* ``months_since_identification`` — whole months since the case was identified.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.cases import Case
from jingzhun.domain.features import DepartmentEvent, Feature, Value, household_features
from jingzhun.domain.household import Household, YearMonth, income_window_end
from jingzhun.domain.plans import AssistancePlan, ItemStatus
from jingzhun.domain.policy import EliminationCriterion, ResolvedPolicy, Severity
from jingzhun.domain.rules import evaluate
from jingzhun.domain.screening import decide, environment, render_reason, shown_names
from jingzhun.domain.workflow import WorkflowDefinition

ELIMINATION_FACTS: tuple[Feature, ...] = (
    Feature("stable_income_months", "int", "收入持续不低于监测标准的月数", nullable=True),
    Feature("still_flagged", "bool", "仍触发识别规则"),
    Feature("risks_without_measure", "int", "尚未落实措施的已确认风险数"),
    Feature("measures_in_effect", "int", "已实施的帮扶措施数"),
    Feature("months_since_identification", "int", "识别以来的整月数", nullable=True),
)
ELIMINATION_FACT_NAMES = frozenset(f.name for f in ELIMINATION_FACTS)


class EliminationMethod(StrEnum):
    """The two methods a county approves (枞阳): by assistance, or natural."""

    ASSISTANCE = "assistance"  # 帮扶消除
    NATURAL = "natural"  # 自然消除

    @property
    def label(self) -> str:
        return "帮扶消除" if self is EliminationMethod.ASSISTANCE else "自然消除"

    @property
    def action(self) -> str:
        """The county's approval action of the elimination workflow for this method."""
        return "eliminate_by_assistance" if self is EliminationMethod.ASSISTANCE else "eliminate_naturally"


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion_id: str
    severity: Severity
    label: str
    met: bool
    reason: str  # why it is not met ("" when met)


STARTED = frozenset({ItemStatus.IN_PROGRESS, ItemStatus.DELIVERED, ItemStatus.ENDED})


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the case and its plan say: the facts the registry cannot."""

    risks_without_measure: int
    measures_in_effect: int
    months_since_identification: int | None

    @classmethod
    def of(cls, case: Case, wf: WorkflowDefinition, plan: AssistancePlan | None, on: dt.date) -> CaseFacts:
        started = [i for i in (plan.items if plan else ()) if i.status in STARTED]
        covered = {code for i in started for code in i.risk_codes}
        since = case.identified_on(wf)
        return cls(
            risks_without_measure=sum(1 for c in case.risk_codes if c not in covered),
            measures_in_effect=len(started),
            months_since_identification=whole_months(since, on) if since is not None and since <= on else None,
        )

    def as_facts(self) -> dict[str, Value]:
        return {
            "risks_without_measure": self.risks_without_measure,
            "measures_in_effect": self.measures_in_effect,
            "months_since_identification": self.months_since_identification,
        }


@dataclass(frozen=True, slots=True)
class EliminationAssessment:
    """One household measured against the elimination criteria: the verdict and exactly why."""

    household_id: str
    eligible: bool  # every ``block`` criterion met
    method: EliminationMethod
    results: tuple[CriterionResult, ...]  # every criterion, in policy order
    evidence: dict[str, Value]  # the names the criteria read or show, with their values
    open_rules: tuple[str, ...] = ()  # the identification rules that still fire

    @property
    def blocked(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if not r.met and r.severity is Severity.BLOCK)

    @property
    def flagged(self) -> tuple[CriterionResult, ...]:
        return tuple(r for r in self.results if not r.met and r.severity is Severity.FLAG)


def month_index(ym: YearMonth) -> int:
    return ym.year * 12 + ym.month - 1


def stable_income_months(hh: Household, window: YearMonth, threshold_fen: int) -> int | None:
    """See the module docstring. "At or above" is ``net income ≥ threshold × members``, exact."""
    current = hh.income_for(window)
    if current is None:
        return None
    need = threshold_fen * hh.size

    def above(net: int) -> bool:
        return net >= need

    if not above(current.net_income):
        return 0
    start = window
    for w in sorted((w for w in hh.incomes if w.period_end < window), key=lambda w: w.period_end, reverse=True):
        if not above(w.net_income):
            break
        start = w.period_end
    return month_index(window) - month_index(start)


def whole_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (2026-01-31 → 2026-02-28 is 0; → 2026-03-01 is 1)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def household_facts(
    hh: Household, events: Sequence[DepartmentEvent], as_of: dt.date, policy: ResolvedPolicy, case: CaseFacts
) -> tuple[dict[str, Value], tuple[str, ...]]:
    """Every name a criterion may read for ``hh`` on ``as_of``, and the identification rules still firing."""
    features = household_features(hh, events, as_of, lookback_months=policy.event_lookback_months)
    warning = decide(hh.household_id, features, policy)
    stable = stable_income_months(hh, income_window_end(as_of), policy.monitoring_threshold_fen)
    facts = {**features, "stable_income_months": stable, "still_flagged": warning is not None, **case.as_facts()}
    return facts, warning.rule_ids if warning else ()


def assess_household(
    hh: Household, events: Sequence[DepartmentEvent], as_of: dt.date, policy: ResolvedPolicy, case: CaseFacts
) -> EliminationAssessment:
    """One household's assessment on ``as_of``, from the registry, the feeds and its case."""
    facts, open_rules = household_facts(hh, events, as_of, policy, case)
    return assess(hh.household_id, facts, policy, open_rules=open_rules)


def assess(
    household_id: str, facts: Mapping[str, Value], policy: ResolvedPolicy, *, open_rules: Sequence[str] = ()
) -> EliminationAssessment:
    """The household against ``policy.elimination``; ``facts``: the features and the facts above."""
    env = environment(facts, policy)
    results = tuple(_result(c, env) for c in policy.elimination)
    names: set[str] = set()
    for c in policy.elimination:
        names |= shown_names(c.when, c.unmet, env)
    method = EliminationMethod.ASSISTANCE if (env.get("measures_in_effect") or 0) > 0 else EliminationMethod.NATURAL
    return EliminationAssessment(
        household_id=household_id,
        eligible=all(r.met for r in results if r.severity is Severity.BLOCK),
        method=method,
        results=results,
        evidence={n: env[n] for n in sorted(names)},
        open_rules=tuple(open_rules),
    )


def _result(c: EliminationCriterion, env: Mapping[str, Value]) -> CriterionResult:
    met = evaluate(c.when, env) is True
    return CriterionResult(c.criterion_id, c.severity, c.label, met, "" if met else render_reason(c.unmet, env))


def unmet_text(results: Sequence[CriterionResult]) -> str:
    """The reasons of unmet criteria as one line, for refusals and notices."""
    return "；".join(r.reason for r in results if not r.met)
