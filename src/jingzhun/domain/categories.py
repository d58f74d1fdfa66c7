"""The three monitoring categories and the risk-type table, as data.

Categories (policy notes §2): 脱贫不稳定户 (an alleviated household within the monitoring
range), 边缘易致贫户 (an ordinary household within the range) and 突发严重困难户 (any
household hit by a rigid-expense surge or an income collapse, even above the range).

Risk codes (policy notes §3) are the placeholder table seen in public code ([U]); a policy
pack may replace it — this default is what the core falls back to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MonitoringCategory(StrEnum):
    UNSTABLE_ALLEVIATED = "unstable_alleviated"
    MARGINAL_AT_RISK = "marginal_at_risk"
    SUDDEN_HARDSHIP = "sudden_hardship"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    MonitoringCategory.UNSTABLE_ALLEVIATED: "脱贫不稳定户",
    MonitoringCategory.MARGINAL_AT_RISK: "边缘易致贫户",
    MonitoringCategory.SUDDEN_HARDSHIP: "突发严重困难户",
}

MAX_RISKS_PER_CASE = 5


@dataclass(frozen=True, slots=True)
class RiskType:
    code: str
    label: str
    group: str  # the two-digit family, e.g. "02" for natural disasters


DEFAULT_RISK_TYPES: tuple[RiskType, ...] = (
    RiskType("01", "因病", "01"),
    RiskType("0201", "因自然灾害（洪涝）", "02"),
    RiskType("0202", "因自然灾害（地质）", "02"),
    RiskType("0203", "因自然灾害（旱灾）", "02"),
    RiskType("0204", "因自然灾害（生物）", "02"),
    RiskType("0205", "因自然灾害（气象）", "02"),
    RiskType("0206", "因自然灾害（地震）", "02"),
    RiskType("0299", "因自然灾害（其他）", "02"),
    RiskType("03", "因残", "03"),
    RiskType("04", "因缺劳动力", "04"),
    RiskType("05", "因意外事故", "05"),
    RiskType("06", "因产业失败", "06"),
    RiskType("07", "因务工就业不稳", "07"),
    RiskType("09", "因学", "09"),
    RiskType("99", "其他", "99"),
)


def risk_table(types: tuple[RiskType, ...] = DEFAULT_RISK_TYPES) -> dict[str, RiskType]:
    return {t.code: t for t in types}
