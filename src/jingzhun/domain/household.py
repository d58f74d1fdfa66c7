"""Household, member, the 12-month income window and per-capita net income.

Per-capita net income (人均纯收入) is measured over the 12 months before the assessment month
(policy notes §1): the window is named by its last month, ``period_end``. All registered
members count in the denominator — children, the elderly and migrant workers alike — and
business net income may be negative (a failed harvest is a loss, not a zero).
Whether compliant self-paid medical and education costs are deducted is a policy choice
([U] in the notes) and lives in the policy pack, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jingzhun.domain.errors import DomainError
from jingzhun.domain.ids import DivisionCode, ResidentId
from jingzhun.domain.money import Fen, per_capita_fen
from jingzhun.domain.vocab import Health, LaborCapacity, Relation, Schooling


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A calendar month, e.g. the last month of an income window."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1900 <= self.year <= 2200):
            raise DomainError("PERIOD_FORMAT", f"月份 {self.year}-{self.month:02d} 无效")

    @classmethod
    def parse(cls, raw: str) -> YearMonth:
        text = raw.strip().replace("/", "-").replace("年", "-").rstrip("月")
        parts = text.split("-")
        if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) != 4:
            raise DomainError("PERIOD_FORMAT", f"期间“{raw}”应为 YYYY-MM 格式")
        return cls(int(parts[0]), int(parts[1]))

    def shift(self, months: int) -> YearMonth:
        idx = self.year * 12 + (self.month - 1) + months
        return YearMonth(idx // 12, idx % 12 + 1)

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def income_window_end(assessment_day: dt.date) -> YearMonth:
    """The window for an assessment on ``assessment_day`` ends with the previous month."""
    return YearMonth(assessment_day.year, assessment_day.month).shift(-1)


@dataclass(frozen=True, slots=True)
class IncomeWindow:
    """Household income by component over 12 months ending ``period_end`` (amounts in fen)."""

    period_end: YearMonth
    wage: Fen = 0
    business_net: Fen = 0
    property_income: Fen = 0  # exchange column "property" (财产性收入); renamed to keep the builtin
    transfer: Fen = 0
    medical_self_paid: Fen = 0
    education_self_paid: Fen = 0

    def __post_init__(self) -> None:
        for name in ("wage", "property_income", "transfer", "medical_self_paid", "education_self_paid"):
            if getattr(self, name) < 0:
                raise DomainError("AMOUNT_NEGATIVE", f"{name} 不能为负数", field=name)

    @property
    def net_income(self) -> Fen:
        """Total net income: the four components, business losses included."""
        return self.wage + self.business_net + self.property_income + self.transfer

    @property
    def rigid_expense(self) -> Fen:
        """Compliant self-paid medical and education costs (刚性支出)."""
        return self.medical_self_paid + self.education_self_paid


@dataclass(frozen=True, slots=True)
class Member:
    person_id: ResidentId
    name: str
    relation: Relation
    health: Health = Health.HEALTHY
    disability_grade: int | None = None
    labor_capacity: LaborCapacity = LaborCapacity.ORDINARY
    schooling: Schooling = Schooling.NONE
    medical_insured: bool = True
    work_months: int = 0

    def __post_init__(self) -> None:
        if self.disability_grade is not None and not (1 <= self.disability_grade <= 4):
            raise DomainError("DISABILITY_GRADE", "残疾等级应为1至4级", field="disability_grade")
        if not (0 <= self.work_months <= 12):
            raise DomainError("WORK_MONTHS", "近12个月务工月数应在0到12之间", field="work_months")


@dataclass(frozen=True, slots=True)
class Conditions:
    """Housing and drinking-water safety as last assessed (两不愁三保障 and 饮水安全)."""

    housing_safe: bool = True
    water_safe: bool = True
    assessed_on: dt.date | None = None


@dataclass(slots=True)
class Household:
    household_id: str
    division_code: DivisionCode
    alleviated: bool = False
    alleviated_year: int | None = None
    members: list[Member] = field(default_factory=list)
    incomes: list[IncomeWindow] = field(default_factory=list)
    conditions: Conditions = field(default_factory=Conditions)

    def __post_init__(self) -> None:
        if not self.household_id.strip():
            raise DomainError("HOUSEHOLD_ID", "户编号不能为空", field="household_id")
        if self.alleviated_year is not None and not self.alleviated:
            raise DomainError("ALLEVIATED_YEAR", "非脱贫户不应填写脱贫年度", field="alleviated_year")

    @property
    def size(self) -> int:
        return len(self.members)

    def income_for(self, period_end: YearMonth) -> IncomeWindow | None:
        return next((w for w in self.incomes if w.period_end == period_end), None)

    def per_capita_net_income(self, period_end: YearMonth) -> Fen:
        """Per-capita net income of the window ending ``period_end``, rounded to the fen."""
        window = self.income_for(period_end)
        if window is None:
            raise DomainError("INCOME_MISSING", f"缺少截至 {period_end} 的收入数据")
        return per_capita_fen(window.net_income, self.size)

    @property
    def able_labourers(self) -> int:
        return sum(1 for m in self.members if m.labor_capacity.is_able)

    @property
    def has_no_labour_capacity(self) -> bool:
        """整户无劳动能力: no member able to work (matters for exit and safety-net rules)."""
        return self.size > 0 and self.able_labourers == 0
