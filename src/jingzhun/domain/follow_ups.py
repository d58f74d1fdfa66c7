"""Follow-up visits (回访) after a household's risk was eliminated: when the next one is due, what a visit found.

Policy notes §5: no national interval was found; the "四不摘" practice is that the household's
helper (帮扶联系人) visits at least once a quarter. The interval and how long visits go on after
elimination are policy parameters (``follow_up_interval_months``, ``follow_up_months``).

The schedule is rolling: the next visit is due one interval after the last one — or after the
day the risk was eliminated, before any — so a late visit moves the next one on, and an early
one does not leave a gap. Visits stop being due once the next due day would fall after the
follow-up period, or when the household is back under monitoring (its elimination rolled back,
or a new case opened): its case is then followed by the procedure, not by follow-ups.

A visit that finds a new risk (``Finding.NEW_RISK``) must name the risks it suspects; the
service turns it into a lead, which re-enters identification linked to the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from jingzhun.domain.categories import risk_table
from jingzhun.domain.deadlines import add_months
from jingzhun.domain.errors import DomainError


class Finding(StrEnum):
    STABLE = "stable"  # 稳定，无新风险
    NEW_RISK = "new_risk"  # 发现新的返贫致贫风险

    @property
    def label(self) -> str:
        return "稳定，无新风险" if self is Finding.STABLE else "发现新风险"


@dataclass(frozen=True, slots=True)
class Schedule:
    interval_months: int
    horizon_months: int  # visits are due while the due day is within this many months of elimination

    @classmethod
    def of(cls, params: Mapping[str, int]) -> Schedule:
        return cls(params["follow_up_interval_months"], params["follow_up_months"])

    def next_due(self, eliminated_on: dt.date, visits: Iterable[dt.date]) -> dt.date | None:
        """The day the next visit is due, or None when the follow-up period is over."""
        since = [v for v in visits if v >= eliminated_on]
        due = add_months(max(since, default=eliminated_on), self.interval_months)
        return due if due <= add_months(eliminated_on, self.horizon_months) else None


class DueStatus(StrEnum):
    NOT_DUE = "not_due"
    DUE_SOON = "due_soon"  # within the warning days before the due day
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"not_due": "未到期", "due_soon": "即将到期", "overdue": "已逾期"}[self.value]


def due_status(due: dt.date, today: dt.date, *, warn_days: int = 14) -> DueStatus:
    """Overdue the day after the due day; due soon from ``warn_days`` before it."""
    if today > due:
        return DueStatus.OVERDUE
    return DueStatus.DUE_SOON if (due - today).days <= warn_days else DueStatus.NOT_DUE


@dataclass(frozen=True, slots=True)
class Visit:
    """One follow-up visit as recorded."""

    visited_on: dt.date
    visited_by: str
    finding: Finding
    note: str = ""
    risk_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.finding is Finding.NEW_RISK and not self.risk_codes:
            raise DomainError("FOLLOW_UP_RISK_MISSING", "发现新风险时须选择疑似的风险类型", field="risk_codes")
        if self.finding is Finding.STABLE and self.risk_codes:
            raise DomainError("FOLLOW_UP_RISK_MISSING", "“稳定，无新风险”的回访不应填写风险类型", field="risk_codes")
        unknown = [c for c in self.risk_codes if c not in risk_table()]  # a lead's suggestions are the national table's
        if unknown:
            raise DomainError("RISK_CODE_UNKNOWN", f"未知的风险类型代码：{'、'.join(unknown)}", field="risk_codes")
        if not self.note.strip():
            raise DomainError("FOLLOW_UP_NOTE_MISSING", "请填写回访情况（收入、就业、“三保障”等）", field="note")
