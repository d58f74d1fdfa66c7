"""The policy pack format: pydantic models of one YAML file, and the parameter catalogue.

A pack is written by a provincial policy officer, so the models are strict where a slip
would silently change a decision: unknown fields are errors (a misspelt ``efective_to``
must not leave a pack open-ended), codes are quoted strings (YAML would read ``53`` as a
number and ``0201`` as octal-ish text), ``extends`` must be written out (``null`` for the
root), and yuan amounts may have at most two decimals — a third one is a typo, not a
rounding (the same rule as ``domain.money``).

Parameters are written in yuan and percent the way notices state them; resolution turns
them into integers only (amounts in fen, suffix ``_fen``), so both rule evaluators compare
exactly. ``PARAMS`` is the catalogue of the parameters the shipped rules read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from jingzhun.domain.policy import RuleKind, Severity

PACK_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
RULE_ID_RE = r"^[A-Z][A-Z0-9_]{1,62}$"
PARAM_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
MAX_INT = 2**62  # far below BIGINT overflow even after the multiplications rules do


def _to_yuan(value: Any) -> Decimal:
    """A yuan amount from YAML (int, float or text) as an exact Decimal with ≤ 2 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("应为数字（元）")
    try:
        d = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"“{value}”不是数字（元）") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"“{value}”应为非负数")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"“{value}”超过两位小数")
    return d


Yuan = Annotated[Decimal, BeforeValidator(_to_yuan)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MoneySpec(_Strict):
    """An amount, written in one of three ways the notices use.

    ``amount_yuan: 8700`` — a fixed amount (云南 2024/2025);
    ``dibao_multiple: 2, dibao_monthly_yuan: 815`` — k × the monthly rural 低保 standard × 12
    (德化 2024: 2 × 815 × 12 = 19,560);
    ``percent_of_reference: 50, reference_income_yuan: 17522`` — a share of a reference
    income (阳原: 50 % / 100 % of the previous-year rural per-capita disposable income).
    """

    amount_yuan: Yuan | None = None
    dibao_multiple: Yuan | None = None
    dibao_monthly_yuan: Yuan | None = None
    percent_of_reference: StrictInt | None = Field(default=None, ge=1, le=1000)
    reference_income_yuan: Yuan | None = None
    reference: StrictStr = ""  # what the reference income is, e.g. "云南省2023年农村居民人均可支配收入"

    @model_validator(mode="after")
    def _one_form(self) -> MoneySpec:
        forms = [
            self.amount_yuan is not None,
            self.dibao_multiple is not None or self.dibao_monthly_yuan is not None,
            self.percent_of_reference is not None or self.reference_income_yuan is not None,
        ]
        if sum(forms) != 1:
            raise ValueError(
                "金额须且只能用一种写法：amount_yuan；或 dibao_multiple + dibao_monthly_yuan；"
                "或 percent_of_reference + reference_income_yuan"
            )
        if forms[1] and (self.dibao_multiple is None or self.dibao_monthly_yuan is None):
            raise ValueError("dibao_multiple 与 dibao_monthly_yuan 须同时填写")
        if forms[2] and (self.percent_of_reference is None or self.reference_income_yuan is None):
            raise ValueError("percent_of_reference 与 reference_income_yuan 须同时填写")
        return self

    def yuan(self) -> Decimal:
        if self.amount_yuan is not None:
            return self.amount_yuan
        if self.dibao_multiple is not None and self.dibao_monthly_yuan is not None:
            return self.dibao_multiple * self.dibao_monthly_yuan * 12
        assert self.percent_of_reference is not None and self.reference_income_yuan is not None
        return self.reference_income_yuan * self.percent_of_reference / 100

    def fen(self) -> int:
        """Exact integer fen; a result with a fraction of a fen is refused, not rounded."""
        fen = self.yuan() * 100
        if fen != fen.to_integral_value():
            raise ValueError(f"计算结果 {self.yuan()} 元不是整分，请直接写 amount_yuan")
        if fen > MAX_INT:
            raise ValueError("金额过大")
        return int(fen)

    def explain(self) -> str:
        """How the amount was derived, for ``policy show``."""
        total = f"{self.yuan():,.2f}".removesuffix(".00")
        if self.dibao_multiple is not None:
            return f"{self.dibao_multiple} × 低保 {self.dibao_monthly_yuan} 元/月 × 12 = {total} 元"
        if self.percent_of_reference is not None:
            ref = f"（{self.reference}）" if self.reference else ""
            return f"{self.percent_of_reference}% × {self.reference_income_yuan} 元{ref} = {total} 元"
        return f"{total} 元"


class Scope(_Strict):
    """Where a pack applies: ``{}`` nationwide, a province, a prefecture or a county (GB/T 2260)."""

    province: Annotated[StrictStr, Field(pattern=r"^\d{2}$")] | None = None
    prefecture: Annotated[StrictStr, Field(pattern=r"^\d{4}$")] | None = None
    county: Annotated[StrictStr, Field(pattern=r"^\d{6}$")] | None = None

    @model_validator(mode="after")
    def _nested(self) -> Scope:
        codes = [c for c in (self.province, self.prefecture, self.county) if c]
        for shorter, longer in itertools.pairwise(codes):
            if not longer.startswith(shorter):
                raise ValueError(f"范围不一致：{longer} 不属于 {shorter}")
        return self

    @property
    def prefix(self) -> str:
        """The division-code prefix the scope covers ("" for national)."""
        return self.county or self.prefecture or self.province or ""

    @property
    def level(self) -> int:
        """Specificity: county 3 > prefecture 2 > province 1 > national 0."""
        return {0: 0, 2: 1, 4: 2, 6: 3}[len(self.prefix)]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)


class RuleSpec(_Strict):
    """A rule, or a change to an inherited rule with the same ``id``.

    A new rule needs ``kind``, ``when`` and ``reason``. Repeating an inherited id replaces the
    fields given and keeps the others; ``enabled: false`` drops the inherited rule.
    """

    id: Annotated[StrictStr, Field(pattern=RULE_ID_RE)]
    enabled: StrictBool = True
    kind: RuleKind | None = None
    when: StrictStr | None = None
    risk_codes: list[StrictStr] | None = None
    reason: StrictStr | None = None
    label: StrictStr | None = None
    source: StrictStr | None = None


class CriterionSpec(_Strict):
    """A criterion of risk elimination, or a change to an inherited one with the same ``id``.

    A new criterion needs ``severity``, ``when`` (what must hold) and ``unmet`` (why it does not,
    a template like a rule's ``reason``); ``enabled: false`` drops an inherited one.
    """

    id: Annotated[StrictStr, Field(pattern=RULE_ID_RE)]
    enabled: StrictBool = True
    severity: Severity | None = None
    when: StrictStr | None = None
    unmet: StrictStr | None = None
    label: StrictStr | None = None
    source: StrictStr | None = None


class RiskTypeSpec(_Strict):
    code: Annotated[StrictStr, Field(pattern=r"^\d{2}(\d{2})?$")]
    label: StrictStr
    group: Annotated[StrictStr, Field(pattern=r"^\d{2}$")] | None = None


class TermVariant(_Strict):
    """A wording in force for a period (the 2026 rename 监测对象 → 防止返贫致贫对象, §1)."""

    text: StrictStr
    valid_from: dt.date | None = Field(default=None, alias="from")
    valid_to: dt.date | None = Field(default=None, alias="to")

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


class PackSpec(_Strict):
    """One YAML file. Checks that need a location (dates, ids) are made by the loader."""

    id: Annotated[StrictStr, Field(pattern=PACK_ID_RE.pattern)]
    version: StrictStr
    title: StrictStr
    extends: StrictStr | None  # required: write ``null`` for the root
    scope: Scope = Scope()
    effective_from: dt.date
    effective_to: dt.date | None = None
    document: StrictStr = ""
    provisional: StrictBool = False  # values carried forward or unverified: shown as a warning
    notes: StrictStr = ""
    params: dict[str, Any] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    risk_types: list[RiskTypeSpec] | None = None
    default_risk_code: Annotated[StrictStr, Field(pattern=r"^\d{2}(\d{2})?$")] | None = None
    terminology: dict[str, StrictStr | list[TermVariant]] = Field(default_factory=dict)
    measures: list[Any] = Field(default_factory=list)  # each validated by ``measure_schema``
    elimination: list[CriterionSpec] = Field(default_factory=list)  # the criteria of risk elimination

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True, slots=True)
class ParamDef:
    """A parameter the shipped rules read: how it is written and what it means."""

    name: str  # as written in the pack
    kind: Literal["money", "int"]
    label: str
    minimum: int = 0
    maximum: int = MAX_INT

    @property
    def resolved_name(self) -> str:
        return f"{self.name}_fen" if self.kind == "money" else self.name


PARAMS: tuple[ParamDef, ...] = (
    ParamDef("monitoring_threshold", "money", "监测标准（人均纯收入，元/年）"),
    ParamDef("medical_threshold_alleviated", "money", "医疗费用预警线（脱贫人口，个人年度合规自付）"),
    ParamDef("medical_threshold_other", "money", "医疗费用预警线（其他农村人口，个人年度合规自付）"),
    ParamDef("disaster_loss_threshold", "money", "灾害损失预警线（元）"),
    ParamDef("disaster_loss_percent_of_income", "int", "灾害损失占家庭纯收入比例（%）", 1, 1000),
    ParamDef("income_drop_percent", "int", "收入大幅缩减：较上期下降比例（%）", 1, 100),
    ParamDef("water_outage_days_threshold", "int", "饮水中断预警天数", 1, 366),
    ParamDef("rigid_expense_percent_of_income", "int", "刚性支出占家庭纯收入比例（%）", 1, 1000),
    ParamDef("income_window_months", "int", "收入核算期（月）", 1, 36),
    ParamDef("event_lookback_months", "int", "部门数据回溯期（月）", 1, 36),
    ParamDef("max_risk_codes", "int", "每户最多风险类型数", 1, 20),
    ParamDef("measure_deadline_days", "int", "识别后落实帮扶措施的期限（天）", 1, 366),
    ParamDef("plan_review_months", "int", "帮扶成效复核间隔（月）", 1, 24),
    ParamDef("elimination_stable_months", "int", "风险消除：收入持续稳定的最短月数", 0, 60),
    ParamDef("elimination_min_months", "int", "风险消除：识别后一般不少于的月数（质量检查）", 0, 60),
    ParamDef("follow_up_interval_months", "int", "风险消除后回访间隔（月）", 1, 12),
    ParamDef("follow_up_months", "int", "风险消除后回访持续月数", 1, 120),
)
PARAM_DEFS = {p.name: p for p in PARAMS}
REQUIRED_RESOLVED = tuple(p.resolved_name for p in PARAMS)
PARAM_LABELS = {p.resolved_name: p.label for p in PARAMS}


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding before line numbers are known: a location in the document, a code, a message."""

    loc: tuple[str | int, ...]
    code: str
    message: str


def parse_params(raw: dict[str, Any]) -> tuple[dict[str, int], dict[str, str], list[Problem]]:
    """Pack params → (resolved integer params, how each was derived, problems).

    A mapping is an amount (``MoneySpec``) and resolves to ``<name>_fen``; an integer stays
    as is. Names outside the catalogue are allowed (a province may add a parameter for its
    own rule) as long as they keep to the same two shapes.
    """
    values: dict[str, int] = {}
    notes: dict[str, str] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        loc: tuple[str | int, ...] = ("params", name)
        known = PARAM_DEFS.get(name)
        if not isinstance(name, str) or not PARAM_NAME_RE.match(name) or name.endswith(("_fen", "_yuan")):
            problems.append(Problem(loc, "POLICY_SCHEMA", "参数名须为小写英文加下划线，且不以 _fen/_yuan 结尾"))
            continue
        if isinstance(value, dict):
            if known and known.kind != "money":
                problems.append(Problem(loc, "POLICY_SCHEMA", f"{name} 应为整数，不是金额"))
                continue
            try:
                spec = MoneySpec.model_validate(value)
                values[f"{name}_fen"] = spec.fen()
                notes[f"{name}_fen"] = spec.explain()
            except ValueError as e:  # pydantic's ValidationError is a ValueError too
                problems.extend(_money_problems(loc, e))
        elif isinstance(value, int) and not isinstance(value, bool):
            if known and known.kind != "int":
                problems.append(Problem(loc, "POLICY_SCHEMA", f"{name} 是金额，请写成 {{amount_yuan: 数值}} 等形式"))
            elif known and not known.minimum <= value <= known.maximum:
                problems.append(Problem(loc, "POLICY_SCHEMA", f"{name} 应在 {known.minimum}–{known.maximum} 之间"))
            elif abs(value) > MAX_INT:
                problems.append(Problem(loc, "POLICY_SCHEMA", f"{name} 数值过大"))
            else:
                values[name] = value
        else:
            problems.append(Problem(loc, "POLICY_SCHEMA", f"{name} 应为整数，或 {{amount_yuan: …}} 形式的金额"))
    return values, notes, problems


def _money_problems(loc: tuple[str | int, ...], err: ValueError) -> list[Problem]:
    if isinstance(err, ValidationError):
        return [Problem(loc + tuple(e["loc"]), "POLICY_SCHEMA", pydantic_message(e)) for e in err.errors()]
    return [Problem(loc, "POLICY_SCHEMA", str(err))]


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（检查拼写；格式见 docs/policy-guide.md）",
    "string_type": '应为文字（代码、版本号请加引号，例如 "53"、"2025.1"）',
    "int_type": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "bool_type": "应为 true 或 false",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不带时间",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "list_type": "应为列表（- 开头的多行，或 [..]）",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "string_pattern_mismatch": "格式不符",
    "enum": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def pydantic_message(err: Any) -> str:
    """A Chinese message for one pydantic error (``ErrorDetails``); the English one as fallback."""
    kind = str(err.get("type", ""))
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err.get("msg", "")))
    text = _MESSAGES.get(kind)
    if text is None:
        return str(err.get("msg", kind))
    ctx = err.get("ctx") or {}
    if kind == "enum":
        text += f"：{ctx.get('expected', '')}"
    elif kind == "string_pattern_mismatch":
        text += f"（应匹配 {ctx.get('pattern', '')}）"
    elif kind in ("greater_than_equal", "less_than_equal"):
        text += f"（界限 {ctx.get('ge', ctx.get('le', ''))}）"
    if kind not in ("missing", "extra_forbidden") and "input" in err:
        text += f"，实际为 {err['input']!r}"
    return text
