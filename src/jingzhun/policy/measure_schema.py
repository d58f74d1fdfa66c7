"""The ``measures`` section of a policy pack: one catalogue entry, or a change to an inherited one.

Written like a rule (docs/policy-guide.md, 帮扶措施目录): a new id needs ``type``, ``label``,
``role``, ``target``, ``provider`` and ``eligibility``; repeating an inherited id replaces the
fields it gives — ``params`` key by key, so a county that pays Yulu 2,000 yuan a term writes
only ``amount_per_term`` and ``max_amount`` — and ``enabled: false`` drops the entry.
Per-file checks are here (the schema, amounts, condition syntax, term dates that exist every
year, duplicate ids); checks that need the chain (names, risk codes, completeness, caps) are
in ``measure_merge``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictInt, StrictStr, ValidationError

from jingzhun.domain.measures import MeasureRole, MeasureType, Period, Provider, Target
from jingzhun.domain.rules import Expr
from jingzhun.policy.expressions import ExpressionError, parse_condition
from jingzhun.policy.schema import RULE_ID_RE, MoneySpec, Problem, _Strict, parse_params, pydantic_message

TERM_DAY_RE = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
BASIC_NEED_FACTS = ("housing_unsafe", "water_unsafe")


class ConditionSpec(_Strict):
    when: StrictStr
    label: StrictStr  # Chinese, with {name} placeholders: what the condition means


class MeasureEntry(_Strict):
    id: Annotated[StrictStr, Field(pattern=RULE_ID_RE)]
    enabled: StrictBool = True
    type: MeasureType | None = None
    label: StrictStr | None = None
    role: MeasureRole | None = None
    target: Target | None = None
    provider: Provider | None = None
    addresses: list[Annotated[StrictStr, Field(pattern=r"^\d{2}(\d{2})?$")]] | None = None
    eligibility: list[ConditionSpec] | None = None
    params: dict[str, Any] | None = None
    fund_source: StrictStr | None = None
    expected_income: MoneySpec | None = None  # per household and year, once the effect shows
    effect_months: Annotated[StrictInt, Field(ge=0, le=120)] | None = None
    resolves: list[StrictStr] | None = None
    period: Period | None = None
    coverage_months: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    duplicate_key: Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")] | None = None
    entitlement: StrictBool | None = None
    assess_on: list[Annotated[StrictStr, Field(pattern=TERM_DAY_RE)]] | None = None
    feed_events: list[Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]] | None = None
    source: StrictStr | None = None


@dataclass(frozen=True, slots=True)
class LoadedMeasure:
    """One entry of one file, checked: resolved params, parsed conditions, amounts in fen."""

    index: int  # position in the file's ``measures`` list
    entry: MeasureEntry
    params: dict[str, int]
    conditions: tuple[Expr, ...] | None  # parallel to entry.eligibility; None when not given
    expected_income_fen: int | None
    assess_on: tuple[tuple[int, int], ...] | None

    @property
    def id(self) -> str:
        return self.entry.id


def load_measures(raw: list[Any]) -> tuple[list[LoadedMeasure], list[Problem]]:
    """Validate the ``measures`` list of one file; every problem located under ``measures[i]``."""
    out: list[LoadedMeasure] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        loc: tuple[str | int, ...] = ("measures", i)
        try:
            entry = MeasureEntry.model_validate(item)
        except ValidationError as e:
            problems += [Problem(loc + tuple(err["loc"]), "POLICY_SCHEMA", pydantic_message(err)) for err in e.errors()]
            continue
        if entry.id in seen:
            problems.append(Problem((*loc, "id"), "POLICY_SCHEMA", f"措施 {entry.id} 在本文件中重复"))
        seen.add(entry.id)
        params, _, param_problems = parse_params(entry.params or {})
        problems += [Problem(loc + p.loc, p.code, p.message) for p in param_problems]
        conditions: list[Expr] = []
        for j, c in enumerate(entry.eligibility or ()):
            try:
                conditions.append(parse_condition(c.when, f"{entry.id}.eligibility[{j}]"))
            except ExpressionError as e:
                problems.append(Problem((*loc, "eligibility", j, "when"), e.code, e.message))
        income: int | None = None
        if entry.expected_income is not None:
            try:
                income = entry.expected_income.fen()
            except ValueError as e:
                problems.append(Problem((*loc, "expected_income"), "POLICY_SCHEMA", str(e)))
        days = _term_days(entry.assess_on, loc, problems)
        for j, name in enumerate(entry.resolves or ()):
            if name not in BASIC_NEED_FACTS:
                msg = f"resolves 只能是 {'、'.join(BASIC_NEED_FACTS)}，不是 {name}"
                problems.append(Problem((*loc, "resolves", j), "POLICY_SCHEMA", msg))
        conds = tuple(conditions) if entry.eligibility is not None else None
        out.append(LoadedMeasure(i, entry, params, conds, income, days))
    return out, problems


def _term_days(
    raw: list[str] | None, loc: tuple[str | int, ...], problems: list[Problem]
) -> tuple[tuple[int, int], ...] | None:
    if raw is None:
        return None
    days: list[tuple[int, int]] = []
    for j, text in enumerate(raw):
        month, day = int(text[:2]), int(text[3:])
        try:
            dt.date(2025, month, day)  # a common year: a term start must exist every year
        except ValueError:
            why = "不是每年都有，请写 02-28 或 03-01" if text == "02-29" else "不存在"
            problems.append(Problem((*loc, "assess_on", j), "POLICY_SCHEMA", f"日期 {text} {why}"))
            continue
        days.append((month, day))
    return tuple(sorted(set(days)))
