"""A policy resolved for one place and one day: the parameters and rules the screening applies.

Policy packs (YAML files, versioned, with effective dates and an ``extends`` chain from the
national defaults to a province and a county) are loaded and merged by ``jingzhun.policy``;
what comes out is this plain, frozen object, so the pure evaluation and the columnar engine
read exactly the same numbers. Every warning carries ``policy_id``, ``version`` and the
content hash of the chain it was decided under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from jingzhun.domain.categories import RiskType
from jingzhun.domain.measures import Measure
from jingzhun.domain.rules import Expr


class RuleKind(StrEnum):
    """What a rule that fires means for the household.

    ``income``: income within the monitoring range → category 1 or 2 by alleviation status.
    ``shock``: a rigid-expense surge or income collapse → category 3 if not already 1 or 2.
    ``basic_need``: a 两不愁三保障 or drinking-water problem → a warning to verify on a visit.
    ``risk``: adds its risk code to a household flagged by another rule; never flags alone.
    """

    INCOME = "income"
    SHOCK = "shock"
    BASIC_NEED = "basic_need"
    RISK = "risk"


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    kind: RuleKind
    when: Expr
    reason: str  # Chinese template, placeholders {feature} / {parameter} / {x_yuan}
    risk_codes: tuple[str, ...] = ()
    label: str = ""
    source: str = ""  # where the rule comes from (document, local practice)


class Severity(StrEnum):
    """What an unmet elimination criterion does: ``block`` refuses the elimination, ``flag`` asks for a reason."""

    BLOCK = "block"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class EliminationCriterion:
    """One criterion of risk elimination (风险消除): ``when`` must be TRUE (NULL — unknown data — is not)."""

    criterion_id: str
    severity: Severity
    when: Expr
    unmet: str  # Chinese template of why it is not met, placeholders as in a rule's reason
    label: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """Everything the screening needs, resolved for one province (or county) and one date.

    ``params`` hold integers only: amounts already in fen, percentages as whole numbers, day
    and month counts — so evaluation is exact on both engines.
    """

    policy_id: str  # the most specific pack of the chain, e.g. "cn-53-2025"
    version: str
    content_hash: str  # sha256 over the chain's canonical content
    chain: tuple[str, ...]  # pack ids from national to the most specific
    params: Mapping[str, int]
    rules: tuple[Rule, ...]
    risk_types: tuple[RiskType, ...]
    terminology: Mapping[str, str] = field(default_factory=dict)
    income_window_months: int = 12
    event_lookback_months: int = 12
    default_risk_code: str = "99"
    max_risk_codes: int = 5
    measures: tuple[Measure, ...] = ()  # the measure catalogue (帮扶措施目录) in force there
    elimination: tuple[EliminationCriterion, ...] = ()  # the criteria of risk elimination, in order

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.measure_id == measure_id), None)

    @property
    def monitoring_threshold_fen(self) -> int:
        return self.params["monitoring_threshold_fen"]
